using System.Text.Json;
using Microsoft.Playwright;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Teacher;

/// <summary>The student's resource request form; the API is issue 7's and is played in the browser (FutureApis).</summary>
[Collection(BrowserCollection.Name)]
public sealed class RequestFormTests(BrowserFixture browser)
{
    private static async Task<ILocator> ErrorOfAsync(IPage page, ILocator control) =>
        page.Locator($"[id='{(await control.GetAttributeAsync("aria-describedby"))!.Split(' ')[0]}']");

    private async Task<(IPage Page, FutureApis Future)> OpenAsync(WebUiFactory factory)
    {
        var future = new FutureApis();
        var page = await browser.OpenAsync(factory);
        await future.InstallAsync(page);
        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Demandes" }).ClickAsync();
        await Expect(page.Locator("#view h1")).ToHaveTextAsync("Demandes de ressources");
        return (page, future);
    }

    [Fact]
    public async Task Submit_BadInput_SaysWhatIsWrongNextToEachFieldAndKeepsWhatWasTyped()
    {
        using var factory = new WebUiFactory(realRig: false);
        var (page, future) = await OpenAsync(factory);
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

        var tooLong = new string('x', 501);
        await what.SelectOptionAsync("cpus");
        await amount.FillAsync("5000");
        await until.FillAsync("2020-01-01");
        await reason.FillAsync(tooLong);
        await submit.ClickAsync();
        await Expect(await ErrorOfAsync(page, amount)).ToHaveTextAsync("Entre 1 et 64.");
        await Expect(await ErrorOfAsync(page, until)).ToHaveTextAsync("Choisissez une date à venir.");
        await Expect(await ErrorOfAsync(page, reason)).ToHaveTextAsync("500 caractères au plus.");
        await Expect(await ErrorOfAsync(page, what)).ToBeHiddenAsync();
        await Expect(amount).ToHaveValueAsync("5000");
        await Expect(reason).ToHaveValueAsync(tooLong);
        Assert.DoesNotContain(future.Calls, call => call.Method == "POST");
    }

    [Fact]
    public async Task Submit_Valid_SendsTheRequestAndListsMineWithTheirState()
    {
        using var factory = new WebUiFactory(realRig: false);
        var (page, future) = await OpenAsync(factory);
        var nextYear = DateTime.Today.AddYears(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        await page.GetByLabel("Ce que vous demandez").SelectOptionAsync("memoryMiB");
        await page.GetByLabel("Combien").FillAsync("1024");
        await page.GetByLabel("Jusqu'au").FillAsync(nextYear);
        await page.GetByLabel("Pourquoi").FillAsync("TP de bases de données");
        await page.GetByRole(AriaRole.Button, new() { Name = "Envoyer la demande" }).ClickAsync();

        await Expect(page.Locator(".page-status")).ToHaveTextAsync("Demande envoyée : un·e enseignant·e va l'examiner.");
        var sent = JsonDocument.Parse(future.Calls.Single(call => call.Method == "POST").Body!).RootElement;
        Assert.Equal("memoryMiB", sent.GetProperty("resource").GetString());
        Assert.Equal(1024, sent.GetProperty("amount").GetInt32());
        Assert.Equal("TP de bases de données", sent.GetProperty("reason").GetString());
        Assert.StartsWith(nextYear[..4], sent.GetProperty("until").GetString(), StringComparison.Ordinal);
        var rows = page.Locator(".request-list tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0).Locator(".state")).ToHaveTextAsync("En attente");
        await Expect(rows.Nth(1).Locator(".state")).ToHaveTextAsync("Acceptée");
        await Expect(rows.Nth(1)).ToContainTextAsync("D'accord jusqu'aux vacances.");
        await Expect(page.GetByLabel("Pourquoi")).ToHaveValueAsync("");
    }
}
