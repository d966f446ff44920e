using Microsoft.Playwright;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Accessibility;

[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser)
{
    [Fact]
    public async Task EveryPage_WithTheKeyboardOnly_TabReachesEveryControlAndShowsWhereFocusIs()
    {
        using var factory = new WebUiFactory(realRig: false);
        await UiTour.SeedAsync(factory);
        var problems = new List<string>();

        await UiTour.WalkAsync(browser, factory, "fr", BrowserFixture.Desktop, async (stop, page) =>
        {
            var (unreached, invisible) = await PageChecks.TabThroughAsync(page);
            problems.AddRange(unreached.Select(control => $"{stop.Name}: Tab never reaches {control}"));
            problems.AddRange(invisible.Select(control => $"{stop.Name}: no visible focus on {control}"));
        });

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task EveryPage_HasLabelledControlsStatesInWordsAndNoUntranslatedText()
    {
        using var factory = new WebUiFactory(realRig: false);
        await UiTour.SeedAsync(factory);
        var visited = 0;

        await UiTour.WalkAsync(browser, factory, "en", BrowserFixture.Tablet, async (stop, page) =>
        {
            await PageChecks.AssertSoundAsync(page, stop.Name);
            visited++;
        });

        Assert.Equal(UiTour.Stops.Length, visited);
    }

    [Fact]
    public async Task RouteChange_MovesFocusToTheNewPagesHeadingAndNamesTheTab()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "admin", WebUiFactory.AdminPassword);

        await page.Locator("#nav").GetByRole(AriaRole.Link, new() { Name = "Nouvelle VM" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Nouvelle machine virtuelle", Level = 1 })).ToBeFocusedAsync();
        await Expect(page).ToHaveTitleAsync("Nouvelle VM — VmManager");
        await Expect(page.Locator("#nav a[aria-current=page]")).ToHaveTextAsync("Nouvelle VM");
        await page.GetByRole(AriaRole.Link, new() { Name = "Administration" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administration", Level = 1 })).ToBeFocusedAsync();
    }

    [Fact]
    public async Task SkipLink_ComesBeforeTheHeaderAndJumpsToThePageHeading()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Aller au contenu" });
        await Expect(skip).Not.ToBeInViewportAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "VmManager" }).FocusAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#view h1")).ToBeFocusedAsync();
    }
}
