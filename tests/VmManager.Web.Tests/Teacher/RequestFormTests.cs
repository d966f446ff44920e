using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Teacher;

/// <summary>The student's resource request form and list, against the real requests API.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RequestFormTests(BrowserFixture browser)
{
    private static async Task<ILocator> ErrorOfAsync(IPage page, ILocator control) =>
        page.Locator($"[id='{(await control.GetAttributeAsync("aria-describedby"))!.Split(' ')[0]}']");

    private static string InDays(int days) => DateTime.Today.AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<IPage> OpenAsync(WebUiFactory factory)
    {
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Demandes" }).ClickAsync();
        await Expect(page.Locator("#view h1")).ToHaveTextAsync("Demandes de ressources");
        return page;
    }

    [Fact]
    public async Task Submit_BadInput_SaysWhatIsWrongNextToEachFieldAndKeepsWhatWasTyped()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenAsync(factory);
        var submit = page.GetByRole(AriaRole.Button, new() { Name = "Envoyer la demande" });
        var what = page.GetByLabel("Ce que vous demandez");
        var amount = page.GetByLabel("Combien");
        var until = page.GetByLabel("Jusqu'au");
        var reason = page.GetByLabel("Pourquoi");

        await submit.ClickAsync();
        await Expect(await ErrorOfAsync(page, what)).ToHaveTextAsync("Ce champ est obligatoire.");
        await Expect(await ErrorOfAsync(page, until)).ToHaveTextAsync("Ce champ est obligatoire.");
        await Expect(await ErrorOfAsync(page, reason)).ToHaveTextAsync("Ce champ est obligatoire.");
        await Expect(what).ToBeFocusedAsync();

        var tooLong = new string('x', 2001);
        await what.SelectOptionAsync("cpus");
        await amount.FillAsync("0");
        await until.FillAsync("2020-01-01");
        await reason.FillAsync(tooLong);
        await submit.ClickAsync();
        await Expect(await ErrorOfAsync(page, amount)).ToHaveTextAsync(new Regex(@"^Entre 1 et 1\s000\s000\.$"));
        await Expect(await ErrorOfAsync(page, until)).ToHaveTextAsync("Choisissez une date à venir.");
        await Expect(await ErrorOfAsync(page, reason)).ToHaveTextAsync(new Regex(@"^2\s000 caractères au plus\.$"));
        await Expect(await ErrorOfAsync(page, what)).ToBeHiddenAsync();
        await Expect(amount).ToHaveValueAsync("0");
        await Expect(reason).ToHaveValueAsync(tooLong);

        // What only the server knows (its maximum per kind, how far ahead) comes back next to the fields.
        await amount.FillAsync("9");
        await until.FillAsync(InDays(200));
        await reason.FillAsync("Compiler le projet");
        await submit.ClickAsync();
        await Expect(await ErrorOfAsync(page, amount)).ToHaveTextAsync("Entre 1 et 8.");
        await Expect(await ErrorOfAsync(page, until)).ToHaveTextAsync("Au plus 120 jours à partir d'aujourd'hui.");
        await Expect(amount).ToBeFocusedAsync();
        await Expect(reason).ToHaveValueAsync("Compiler le projet");
        await Expect(page.GetByText("Vous n'avez fait aucune demande.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Submit_Valid_ListsTheRequestPendingThenWithTheTeachersAnswer()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenAsync(factory);

        await page.GetByLabel("Ce que vous demandez").SelectOptionAsync("memoryMiB");
        await page.GetByLabel("Combien").FillAsync("1024");
        await page.GetByLabel("Jusqu'au").FillAsync(InDays(30));
        await page.GetByLabel("Pourquoi").FillAsync("TP de bases de données");
        await page.GetByRole(AriaRole.Button, new() { Name = "Envoyer la demande" }).ClickAsync();

        await Expect(page.Locator(".page-status")).ToHaveTextAsync("Demande envoyée : un·e enseignant·e va l'examiner.");
        var row = page.Locator(".request-list tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("1 Gio de plus");
        await Expect(row.Locator(".state")).ToHaveTextAsync("En attente");
        await Expect(page.GetByLabel("Pourquoi")).ToHaveValueAsync("");

        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        using var teacher = await factory.LoginAsync("enseignant", WebUiFactory.TeacherPassword);
        var id = (await student.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/requests"))![0].GetProperty("id").GetInt64();
        await RequestApi.DecideAsync(teacher, id, "approve", "D'accord jusqu'aux vacances.");
        await page.ReloadAsync();
        await Expect(row.Locator(".state")).ToHaveTextAsync("Acceptée");
        await Expect(row.Locator("td").Last).ToHaveTextAsync("enseignant : D'accord jusqu'aux vacances.");
    }

    [Fact]
    public async Task MoreHours_AreAskedForOneOfMyVmsChosenByName()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        var vm = await VmManager.Daemon.Tests.Support.MachineApi.CreateAsync(student, "tp-long");
        var page = await OpenAsync(factory);

        await page.GetByLabel("Ce que vous demandez").SelectOptionAsync("lifetimeHours");
        await Expect(page.GetByLabel("Quelle VM")).ToHaveValueAsync(vm.Machine.Id);
        await page.GetByLabel("Combien").FillAsync("48");
        await page.GetByLabel("Jusqu'au").FillAsync(InDays(7));
        await page.GetByLabel("Pourquoi").FillAsync("Le TP dure deux jours");
        await page.GetByRole(AriaRole.Button, new() { Name = "Envoyer la demande" }).ClickAsync();

        await Expect(page.Locator(".request-list tbody tr td").Nth(1)).ToHaveTextAsync("48 h de plus pour tp-long");
    }
}
