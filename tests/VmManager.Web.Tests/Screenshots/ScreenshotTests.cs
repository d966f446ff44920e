using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Screenshots;

/// <summary>
/// Every page in French and English at 1280×800 and 390×844 (and French at 768×1024), saved under
/// artifacts/screenshots for people to look at; each is also checked (labels, states, translation, no sideways scroll).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(BrowserFixture browser)
{
    public static TheoryData<string, string> Sizes => new()
    {
        { "fr", "desktop" }, { "fr", "tablet" }, { "fr", "narrow" }, { "en", "desktop" }, { "en", "narrow" },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task EveryPage_IsSavedAndSound(string language, string size)
    {
        using var factory = new WebUiFactory(realRig: false);
        await UiTour.SeedAsync(factory);
        var viewport = size switch { "desktop" => BrowserFixture.Desktop, "tablet" => BrowserFixture.Tablet, _ => BrowserFixture.Narrow };
        var saved = new List<string>();

        await UiTour.WalkAsync(browser, factory, language, viewport, async (stop, page) =>
        {
            var name = $"{stop.Name}-{language}-{size}";
            await Screenshot.SaveAsync(page, name);
            await PageChecks.AssertSoundAsync(page, name);
            if (language == "fr")
            {
                Assert.True((await PageChecks.EnglishOnFrenchPageAsync(page)) is [], $"{name}: English on the French page: {string.Join(", ", await PageChecks.EnglishOnFrenchPageAsync(page))}");
            }
            saved.Add(name);
        });

        Assert.All(saved, name => Assert.True(new FileInfo(Path.Combine(Screenshot.Folder, $"{name}.png")).Length > 10_000, name));
        Assert.Equal(UiTour.Stops.Length, saved.Count);
    }
}
