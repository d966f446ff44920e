using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Admin;

[Collection(BrowserCollection.Name)]
public sealed class AdminPageTests(BrowserFixture browser)
{
    private async Task<IPage> OpenAsync(WebUiFactory factory, string section)
    {
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "admin", WebUiFactory.AdminPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Administration" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Rubriques d'administration" }).GetByRole(AriaRole.Link, new() { Name = section }).ClickAsync();
        await Expect(page.Locator("#admin-section-title")).ToHaveTextAsync(section);
        return page;
    }

    [Fact]
    public async Task Health_ShowsEachDependencyOfReadyzWithItsStateAndWhatTheHypervisorHolds()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var anonymous = new HttpClient { BaseAddress = new Uri(factory.BaseUrl) };
        var readyz = JsonDocument.Parse(await anonymous.GetStringAsync("/readyz")).RootElement.GetProperty("checks").EnumerateObject().ToList();
        var page = await OpenAsync(factory, "État du serveur");

        var labels = new Dictionary<string, string>
        {
            ["database"] = "Base de données", ["libvirt"] = "Hyperviseur (libvirt)", ["vagrant"] = "Vagrant",
            ["ldap"] = "Annuaire (LDAP)", ["smtp"] = "Messagerie (SMTP)", ["templates"] = "Modèles (boîtes Vagrant)",
            ["network"] = "Réseau des VM (isolation)", ["background"] = "Tâches de fond", ["classes"] = "Classes (appartenances)",
        };
        var cards = page.Locator(".health-card");
        Assert.Subset(labels.Keys.ToHashSet(), readyz.Select(check => check.Name).ToHashSet());
        await Expect(cards.Locator("h3")).ToHaveTextAsync(readyz.Select(check => labels[check.Name]));
        await Expect(cards.Locator(".state")).ToHaveTextAsync(readyz.Select(check => check.Value.GetProperty("status").GetString() switch
        {
            "Healthy" => "Opérationnel",
            "Degraded" => "Dégradé",
            _ => "En panne",
        }));
        await Expect(page.Locator(".page-status")).ToHaveTextAsync(new Regex("^État général : (Opérationnel|Dégradé|En panne)$"));
        // libvirt's test driver has one domain of its own, "test": not VmManager's, so left alone.
        var hypervisor = page.Locator(".hypervisor dd");
        await Expect(hypervisor.Nth(0)).ToHaveTextAsync("1");
        await Expect(hypervisor.Nth(1)).ToHaveTextAsync("test");
    }

    [Fact]
    public async Task Jobs_ListTheQueueNewestFirstWithTheVmsNamesAndFollowNewOnes()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        await MachineApi.CreateAsync(student, "tp-1");
        var page = await OpenAsync(factory, "File d'opérations");
        var rows = page.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(1);

        await MachineApi.CreateAsync(student, "tp-2");

        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0).Locator("th")).ToHaveTextAsync("#2");
        await Expect(rows.Nth(0).Locator("td")).ToHaveTextAsync(
            new[] { "tp-2 etudiant", "Création En cours", "attente de son réseau", "etudiant" }
                .Select(text => new Regex($"^{Regex.Escape(text)}$")).Concat([new Regex(@"\d"), new Regex(@"^0:\d\d$")]));
        await Expect(rows.Nth(1).Locator("td").First).ToHaveTextAsync("tp-1 etudiant");
    }

    [Fact]
    public async Task Vms_EveryonesVmsWithForceOffAfterConfirmation()
    {
        // A running VM needs the rig; here the list is the real API's with one VM shown running, and
        // the force-off the page sends is answered in the browser (the API itself is tested in the daemon's tests).
        using var factory = new WebUiFactory(realRig: false);
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        var accepted = await MachineApi.CreateAsync(student, "serveur-web");
        var page = await browser.OpenAsync(factory);
        var forced = new List<string>();
        await page.RouteAsync("**/api/vms**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path.EndsWith("/force-off", StringComparison.Ordinal))
            {
                forced.Add(route.Request.Method);
                await route.FulfillAsync(new RouteFulfillOptions { Status = 202, ContentType = "application/json", Body = "{}" });
            }
            else if (route.Request.Method == "GET" && path != "/api/vms/events")
            {
                var response = await route.FetchAsync();
                await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = AsRunning(await response.TextAsync()) });
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await UiSession.LoginAsync(page, "admin", WebUiFactory.AdminPassword);
        await UiSession.GoAsync(page, "#/admin/vms");

        var row = page.Locator($"tr[data-vm-id='{accepted.Machine.Id}']");
        await Expect(row.Locator("td").First).ToHaveTextAsync("etudiant");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Ouvrir la console" })).ToHaveAttributeAsync("href", $"/console.html?vm={accepted.Machine.Id}");
        await row.GetByRole(AriaRole.Button, new() { Name = "Forcer l'extinction" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Forcer l'extinction de « serveur-web » (etudiant) ?" });
        await Expect(dialog).ToContainTextAsync("Comme débrancher la prise");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Annuler" }).ClickAsync();
        Assert.Empty(forced);
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Forcer l'extinction" })).ToBeFocusedAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Forcer l'extinction" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Forcer l'extinction" }).ClickAsync();
        await Expect(page.Locator(".page-status")).ToHaveTextAsync("Forcer l'extinction : serveur-web (etudiant), demandé.");
        Assert.Equal(["POST"], forced);
    }

    /// <summary>The API's VM JSON as if the VM were running with a console and no operation.</summary>
    private static string AsRunning(string json) => Regex.Replace(
        json.Replace("\"state\":\"creating\"", "\"state\":\"running\"", StringComparison.Ordinal)
            .Replace("\"consoleAvailable\":false", "\"consoleAvailable\":true", StringComparison.Ordinal),
        "\"job\":\\{[^}]*\\}", "\"job\":null");

    [Fact]
    public async Task Templates_ListTheCatalogueWithRangesAndLifetimes()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenAsync(factory, "Modèles");

        var row = page.Locator("tbody tr");
        await Expect(row.Locator("th")).ToContainTextAsync("Mini Linux (démo) (tiny)");
        await Expect(row.Locator("td")).ToHaveTextAsync([
            "Linux", "1 processeur à 2 processeurs (par défaut 1 processeur)", "128 Mio à 256 Mio (par défaut 128 Mio)",
            "1 Gio", "2 h, 8 h, 24 h",
        ]);
    }

    [Fact]
    public async Task Audit_FiltersGoToTheApiAndEntriesShowTheirOutcome()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var anonymous = new HttpClient { BaseAddress = new Uri(factory.BaseUrl) };
        await anonymous.PostAsJsonAsync("/api/session", new { userName = "etudiant", password = "not-it" });
        (await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword)).Dispose();
        var page = await OpenAsync(factory, "Journal d'audit");
        await Expect(page.Locator("tbody tr").First).ToBeVisibleAsync();

        await page.GetByLabel("Qui").FillAsync("etudiant");
        await page.GetByLabel("Action").FillAsync("session.login");
        await page.GetByLabel("Depuis le").FillAsync(DateTime.Now.AddHours(-1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        var request = await page.RunAndWaitForRequestAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Filtrer" }).ClickAsync(),
            candidate => candidate.Url.Contains("/api/admin/audit?", StringComparison.Ordinal));

        Assert.Contains("actor=etudiant", request.Url, StringComparison.Ordinal);
        Assert.Contains("action=session.login", request.Url, StringComparison.Ordinal);
        Assert.Matches("from=\\d{4}-\\d\\d-\\d\\dT\\d\\d%3A\\d\\d%3A00.000Z", request.Url);
        await Expect(page.Locator(".page-status")).ToHaveTextAsync("2 entrées");
        var rows = page.Locator("tbody tr");
        await Expect(rows.Locator("td:nth-child(2)")).ToHaveTextAsync(["etudiant", "etudiant"]);
        await Expect(rows.Locator("td:nth-child(5)")).ToHaveTextAsync(["Réussi", "Échoué"]);
    }

    [Fact]
    public async Task Quota_LookUpAUserAndSetAnOverride_RejectsBadNumbersNextToTheField()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenAsync(factory, "Utilisateurs et quotas");

        await page.Locator("#view").GetByLabel("Identifiant").FillAsync("etudiant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Afficher" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Quota d'etudiant (Élève)" })).ToBeFocusedAsync();
        await Expect(page.GetByText("Aucune dérogation : les valeurs par défaut du rôle s'appliquent.")).ToBeVisibleAsync();
        var cpus = page.GetByLabel("Processeurs");
        var cpusError = page.Locator($"[id='{await cpus.GetAttributeAsync("id")}-error']");
        var save = page.GetByRole(AriaRole.Button, new() { Name = "Enregistrer la dérogation" });
        await cpus.FillAsync("2.5");
        await save.ClickAsync();
        await Expect(cpusError).ToHaveTextAsync("Entrez un nombre entier.");
        await cpus.FillAsync("-2");
        await save.ClickAsync();
        await Expect(cpusError).ToHaveTextAsync(new Regex(@"^Entre 0 et 1\s000\s000\.$"));
        await Expect(cpus).ToBeFocusedAsync();
        await Expect(cpus).ToHaveValueAsync("-2");

        await cpus.FillAsync("8");
        await page.GetByLabel("Motif").FillAsync("Projet tutoré");
        await save.ClickAsync();
        await Expect(page.Locator(".overrides li")).ToContainTextAsync("Dérogation de l'administration, par admin le ");
        await Expect(page.Locator(".overrides li")).ToContainTextAsync("sans fin — Projet tutoré");
        await Expect(page.GetByLabel("Processeurs")).ToHaveValueAsync("8");
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        var quota = await student.GetFromJsonAsync<JsonElement>("/api/quota");
        Assert.Equal(8, quota.GetProperty("limits").GetProperty("maxCpus").GetInt32());

        await page.GetByRole(AriaRole.Button, new() { Name = "Retirer la dérogation" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Retirer la dérogation" }).ClickAsync();
        await Expect(page.GetByText("Aucune dérogation : les valeurs par défaut du rôle s'appliquent.")).ToBeVisibleAsync();
    }
}
