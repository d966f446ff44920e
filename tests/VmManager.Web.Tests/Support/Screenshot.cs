using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>Full-page screenshots under artifacts/screenshots at the repository root (gitignored), for people to look at.</summary>
public static class Screenshot
{
    public static string Folder { get; } = Path.Combine(Repository.Root, "artifacts", "screenshots");

    public static async Task SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{name}.png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }
}
