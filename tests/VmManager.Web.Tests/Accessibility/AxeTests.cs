using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Accessibility;

/// <summary>axe-core on every page of the tour (dialogs open included), in French and English, wide and narrow.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AxeTests(BrowserFixture browser)
{
    public static TheoryData<string, string> Sizes => new() { { "fr", "desktop" }, { "en", "desktop" }, { "fr", "narrow" }, { "en", "narrow" } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task EveryPage_HasNoWcag21AOrAaViolation(string language, string size)
    {
        using var factory = new WebUiFactory(realRig: false);
        await UiTour.SeedAsync(factory);
        var problems = new List<string>();

        await UiTour.WalkAsync(browser, factory, language, size == "desktop" ? BrowserFixture.Desktop : BrowserFixture.Narrow, async (stop, page) =>
            problems.AddRange((await Axe.ViolationsAsync(page)).Select(violation => $"{stop.Name}: {violation}")));

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
