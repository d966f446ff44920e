using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Consoles;

/// <summary>Debian's chromium driven by Playwright (nothing downloaded): logs in through the UI and opens a console page.</summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private static readonly string[] ChromiumArguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--ignore-certificate-errors",
    ];

    /// <summary>True when the noVNC canvas holds more than one colour (the guest drew something).</summary>
    private const string ScreenHasContent = """
        () => {
          const canvas = document.querySelector('#screen canvas');
          if (!canvas || !canvas.width || !canvas.height) return false;
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 4; i < pixels.length; i += 4) {
            if (pixels[i] !== pixels[0] || pixels[i + 1] !== pixels[1] || pixels[i + 2] !== pixels[2]) return true;
          }
          return false;
        }
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.PageError += (_, error) => _errors.Add(error);
        page.Console += (_, message) =>
        {
            // Failed loads are judged by their URL below; anything else logged as an error is a defect (CSP included).
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                _errors.Add(message.Text);
            }
        };
        page.Response += (_, response) =>
        {
            var path = new Uri(response.Url).AbsolutePath;
            var expected = (response.Status, path) is (401, "/api/session") or (404, "/favicon.ico");
            if (response.Status >= 400 && !expected)
            {
                _errors.Add($"{response.Status} {response.Request.Method} {response.Url}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>
    /// Uncaught exceptions, console errors (CSP violations included) and failed requests, except the two
    /// every visit has: the login page's "who am I" before login (401) and the absent favicon (404).
    /// </summary>
    public IReadOnlyList<string> Errors => _errors;

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is missing: run scripts/rig.sh install-web");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArguments,
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            Locale = "fr-FR",
            ViewportSize = new ViewportSize { Width = 1100, Height = 800 },
        });
        return new ConsoleBrowser(playwright, browser, await context.NewPageAsync());
    }

    public async Task LogInAsync(Uri site, string userName, string password)
    {
        await Page.GotoAsync(site.ToString());
        await Page.FillAsync("#userName", userName);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("#login-form button[type=submit]");
        await Page.Locator("#session").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
    }

    /// <summary>Opens the console page, waits for RFB to connect and for the guest's screen to show something.</summary>
    public async Task OpenConsoleAsync(Uri site, string vmId)
    {
        await Page.GotoAsync(new Uri(site, $"/console.html?vm={Uri.EscapeDataString(vmId)}").ToString());
        await WaitForStateAsync("connected");
        await Page.WaitForFunctionAsync(ScreenHasContent, null, new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 500 });
    }

    /// <summary>Waits for the page's <c>window.__console.state</c>.</summary>
    public async Task WaitForStateAsync(string state) =>
        await Page.WaitForFunctionAsync("state => window.__console?.state === state", state,
            new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 });

    /// <summary>Saves the page under artifacts/screenshots/ (repository root) and returns the file.</summary>
    public async Task<FileInfo> ScreenshotAsync(string name)
    {
        var folder = Path.Combine(Repository.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file });
        return new FileInfo(file);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
