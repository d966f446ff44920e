using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Machines;

/// <summary>The create form against the real API (fake vagrant: no VM is really built).</summary>
[Collection(BrowserCollection.Name)]
public sealed class CreateFormTests(BrowserFixture browser)
{
    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    /// <summary>The error shown for a control: the element its aria-describedby names first.</summary>
    private static async Task<ILocator> ErrorOfAsync(IPage page, ILocator control) =>
        page.Locator($"[id='{(await control.GetAttributeAsync("aria-describedby"))!.Split(' ')[0]}']");

    private async Task<IPage> OpenFormAsync(WebUiFactory factory)
    {
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Nouvelle VM" }).First.ClickAsync();
        await Expect(page.Locator("#view h1")).ToHaveTextAsync("Nouvelle machine virtuelle");
        return page;
    }

    /// <summary>An admin override of the student's quota, as the admin page sets it.</summary>
    private static async Task SetStudentQuotaAsync(WebUiFactory factory, object limits)
    {
        using var admin = await factory.LoginAsync("admin", WebUiFactory.AdminPassword);
        var response = await admin.PutAsJsonAsync("/api/admin/users/etudiant/quota", limits);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Submit_EmptyName_ShowsRequiredNextToTheFieldAndFocusesIt()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenFormAsync(factory);
        var name = Field(page, "Nom de la VM");

        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();

        await Expect(await ErrorOfAsync(page, name)).ToHaveTextAsync("Ce champ est obligatoire.");
        await Expect(name).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(name).ToBeFocusedAsync();
        Assert.EndsWith("#/vms/new", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_NameTooLongOrMalformed_SaysWhyAndKeepsWhatWasTyped()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenFormAsync(factory);
        var name = Field(page, "Nom de la VM");
        var submit = page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" });
        var tooLong = new string('a', 33);

        await name.FillAsync(tooLong);
        await submit.ClickAsync();
        await Expect(await ErrorOfAsync(page, name)).ToHaveTextAsync("32 caractères au plus.");
        await Expect(name).ToHaveValueAsync(tooLong);

        await name.FillAsync("Mon_Serveur");
        await submit.ClickAsync();
        await Expect(await ErrorOfAsync(page, name)).ToHaveTextAsync("Utilisez des lettres minuscules, des chiffres et des tirets (pas au début ni à la fin).");
        await Expect(name).ToHaveValueAsync("Mon_Serveur");
    }

    [Fact]
    public async Task Submit_SizesOutOfTheTemplateRange_SaysTheRangeNextToEachAndKeepsThem()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenFormAsync(factory);
        var cpus = Field(page, "Processeurs");
        var memory = Field(page, "Mémoire (Mio)");

        await Field(page, "Nom de la VM").FillAsync("web1");
        await cpus.FillAsync("3");
        await memory.FillAsync("100");
        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();

        await Expect(await ErrorOfAsync(page, cpus)).ToHaveTextAsync("Entre 1 et 2.");
        await Expect(await ErrorOfAsync(page, memory)).ToHaveTextAsync("Entre 128 et 256.");
        await Expect(cpus).ToBeFocusedAsync();
        await Expect(cpus).ToHaveValueAsync("3");
        await Expect(memory).ToHaveValueAsync("100");
        await Expect(Field(page, "Nom de la VM")).ToHaveValueAsync("web1");
        await Expect(await ErrorOfAsync(page, Field(page, "Nom de la VM"))).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Submit_NameTheServerRefuses_ShowsTheServersReasonNextToTheNameAndKeepsEverything()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var api = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        await MachineApi.CreateAsync(api, "projet");
        var page = await OpenFormAsync(factory);
        var name = Field(page, "Nom de la VM");

        await name.FillAsync("projet");
        await Field(page, "Processeurs").FillAsync("2");
        await Field(page, "Mémoire (Mio)").FillAsync("256");
        await page.GetByLabel("Durée de vie").SelectOptionAsync("8");
        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();

        await Expect(await ErrorOfAsync(page, name)).ToHaveTextAsync("Vous avez déjà une VM de ce nom.");
        await Expect(name).ToBeFocusedAsync();
        await Expect(Field(page, "Processeurs")).ToHaveValueAsync("2");
        await Expect(Field(page, "Mémoire (Mio)")).ToHaveValueAsync("256");
        await Expect(page.GetByLabel("Durée de vie")).ToHaveValueAsync("8");
    }

    [Fact]
    public async Task Submit_Valid_GoesToMyVmsWhereTheNewVmShowsItsStepWithoutReload()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenFormAsync(factory);
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        await Field(page, "Nom de la VM").FillAsync("essai-2");
        await Field(page, "Processeurs").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();

        var card = page.Locator(".vm-card", new() { HasText = "essai-2" });
        await Expect(page.Locator("#view h1")).ToHaveTextAsync("Mes machines virtuelles");
        await Expect(page.Locator(".page-status")).ToHaveTextAsync("Création de essai-2 lancée : suivez sa progression ci-dessous.");
        await Expect(card.Locator(".state")).ToHaveTextAsync("Création");
        await Expect(card.Locator(".meta")).ToHaveTextAsync("Mini Linux (démo) · 2 processeurs · 128 Mio · 1 Gio");
        await Expect(card.Locator(".step")).ToHaveTextAsync("Création — étape 3 sur 5 : attente de son réseau");
        await Expect(card.Locator(".elapsed")).ToHaveTextAsync(new Regex(@"^Écoulé : 0:\d\d$"));
        await Expect(card.Locator(".lease time")).ToHaveTextAsync(new Regex(@"^1\sh 5\d\smin \d\d\ss$"));
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Supprimer" })).ToBeHiddenAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        Assert.Empty(browser.PageErrors[page]);
    }

    [Fact]
    public async Task Sizes_WithAQuota_OfferOnlyWhatIsLeftAndRefuseMoreNextToTheField()
    {
        using var factory = new WebUiFactory(realRig: false);
        await SetStudentQuotaAsync(factory, new { maxMemoryMiB = 200 });
        var page = await OpenFormAsync(factory);
        var memory = Field(page, "Mémoire (Mio)");

        await Expect(page.Locator(".quota-summary")).ToHaveTextAsync(new Regex(@"^Il vous reste : 2\sVM · 4\sprocesseurs · 200\sMio de mémoire · 40\sGio de disque$"));
        await Expect(page.Locator($"[id='{await memory.GetAttributeAsync("id")}-hint']")).ToHaveTextAsync("De 128 à 256 Mio · votre quota en permet encore 200 Mio");
        await Expect(memory).ToHaveAttributeAsync("max", "200");
        await Field(page, "Nom de la VM").FillAsync("gros");
        await memory.FillAsync("256");
        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();
        await Expect(await ErrorOfAsync(page, memory)).ToHaveTextAsync("Votre quota ne permet plus que 200 Mio.");
        await Expect(memory).ToHaveValueAsync("256");
    }

    [Fact]
    public async Task Submit_QuotaLoweredWhileTheFormWasOpen_ShowsTheServersRefusalAndKeepsEverything()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await OpenFormAsync(factory);
        await SetStudentQuotaAsync(factory, new { maxVms = 0 });

        await Field(page, "Nom de la VM").FillAsync("trop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();

        await Expect(page.Locator(".create-form .form-error")).ToHaveTextAsync("Votre quota ne le permet pas (VM : 0 au plus).");
        await Expect(Field(page, "Nom de la VM")).ToHaveValueAsync("trop");
        Assert.EndsWith("#/vms/new", page.Url, StringComparison.Ordinal);
    }
}
