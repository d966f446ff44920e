using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Admin;

[Collection(BrowserCollection.Name)]
public sealed class AdminPageTests(BrowserFixture browser)
{
    private async Task<IPage> OpenAsync(WebUiFactory factory, string section, FutureApis? future = null)
    {
        var page = await browser.OpenAsync(factory);
        if (future is not null)
        {
            await future.InstallAsync(page);
        }
        await UiSession.LoginAsync(page, "admin", WebUiFactory.AdminPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Administration" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Rubriques d'administration" }).GetByRole(AriaRole.Link, new() { Name = section }).ClickAsync();
        await Expect(page.Locator("#admin-section-title")).ToHaveTextAsync(section);
        return page;
    }

    [Fact]
    public async Task Health_ShowsEachDependencyOfReadyzWithItsState()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var anonymous = new HttpClient { BaseAddress = new Uri(factory.BaseUrl) };
        var readyz = JsonDocument.Parse(await anonymous.GetStringAsync("/readyz")).RootElement.GetProperty("checks");
        var page = await OpenAsync(factory, "État du serveur");

        var cards = page.Locator(".health-card");
        await Expect(cards.Locator("h3")).ToHaveTextAsync(["Base de données", "Hyperviseur (libvirt)", "Vagrant", "Annuaire (LDAP)", "Messagerie (SMTP)"]);
        var expected = readyz.EnumerateObject().Select(check => check.Value.GetProperty("status").GetString() switch
        {
            "Healthy" => "Fonctionne",
            "Degraded" => "Dégradé",
            _ => "En panne",
        });
        await Expect(cards.Locator(".state")).ToHaveTextAsync(expected.ToArray());
        await Expect(page.Locator(".page-status")).ToHaveTextAsync(new Regex("^État général : (Fonctionne|Dégradé|En panne)$"));
    }

    [Fact]
    public async Task Jobs_AreReadFromTheVmsCurrentOperationsAndSaySo()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        await MachineApi.CreateAsync(student, "tp-1");
        await MachineApi.CreateAsync(student, "tp-2");
        var page = await OpenAsync(factory, "File d'opérations");

        await Expect(page.Locator("#view .hint")).ToHaveTextAsync("Calculée à partir des opérations en cours signalées par chaque VM (ce serveur n'a pas d'API de file d'opérations).");
        var rows = page.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0).Locator("td")).ToHaveTextAsync(
            new[] { "tp-1", "etudiant", "Création", "En cours", "Waiting for the fake machine to boot", "etudiant" }
                .Select(text => new Regex($"^{Regex.Escape(text)}$")).Append(new Regex(@"^0:\d\d$")));
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
            "1 Gio à 1 Gio (par défaut 1 Gio)", "2 h, 8 h, 24 h",
        ]);
    }

    [Fact]
    public async Task Audit_AfterTheAdminLoggedIn_ListsThatLogin()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenAsync(factory, "Journal d'audit");
        await Expect(page.Locator(".audit-results td").Filter(new() { HasText = "session.login" }).First).ToBeVisibleAsync();
        await Expect(page.Locator(".audit-results td").Filter(new() { HasText = "admin" }).First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Audit_FiltersGoToTheApiAndEntriesShowTheirOutcome()
    {
        // GET /api/admin/audit comes with the accounts branch; its answer is played in the browser.
        using var factory = new WebUiFactory(realRig: false);
        var future = new FutureApis();
        var page = await OpenAsync(factory, "Journal d'audit", future);
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(3);

        await page.GetByLabel("Qui").FillAsync("etudiant");
        await page.GetByLabel("Action").FillAsync("session.login");
        await page.GetByLabel("Depuis le").FillAsync("2026-11-21T08:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtrer" }).ClickAsync();

        await Expect(page.Locator(".page-status")).ToHaveTextAsync("3 entrée(s)");
        var query = future.Calls.Last(call => call.Path.StartsWith("/api/admin/audit", StringComparison.Ordinal)).Path;
        Assert.Contains("actor=etudiant", query, StringComparison.Ordinal);
        Assert.Contains("action=session.login", query, StringComparison.Ordinal);
        Assert.Contains("from=2026-11-21T07%3A00%3A00.000Z", query, StringComparison.Ordinal);
        await Expect(page.Locator("tbody tr").Nth(1).Locator("td").Nth(4)).ToHaveTextAsync("Échoué");
    }

    [Fact]
    public async Task Quota_LookUpAUserAndSetAnOverride_RejectsBadNumbersNextToTheField()
    {
        // GET/PUT /api/admin/users/{name}/quota come with the accounts branch; answered in the browser here.
        using var factory = new WebUiFactory(realRig: false);
        var future = new FutureApis();
        var page = await OpenAsync(factory, "Utilisateurs et quotas", future);

        await page.Locator("#view").GetByLabel("Identifiant").FillAsync("etudiant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Afficher" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Quota de etudiant (Élève)" })).ToBeFocusedAsync();
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
        Assert.DoesNotContain(future.Calls, call => call.Method == "PUT");

        await cpus.FillAsync("8");
        await page.GetByLabel("Motif").FillAsync("Projet tutoré");
        await save.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Quota de etudiant (Élève)" })).ToBeFocusedAsync();
        var put = JsonDocument.Parse(future.Calls.Single(call => call.Method == "PUT").Body!).RootElement;
        Assert.Equal(8, put.GetProperty("maxCpus").GetInt32());
        Assert.Equal(5, put.GetProperty("maxVms").GetInt32());
        Assert.Equal(JsonValueKind.Null, put.GetProperty("maxDiskGiB").ValueKind);
        Assert.Equal("Projet tutoré", put.GetProperty("reason").GetString());
    }
}
