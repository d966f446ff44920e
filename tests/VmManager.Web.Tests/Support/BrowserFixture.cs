using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>
/// One headless Debian chromium for every UI test (Playwright downloads nothing: it drives the
/// system browser). Each test gets its own context, so cookies and storage never leak between tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Tablet = new() { Width = 768, Height = 1024 };
    public static readonly ViewportSize Narrow = new() { Width = 390, Height = 844 };

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/rig.sh install-web");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
    }

    /// <summary>A fresh context on the app, in this language (fr or en) and size; page errors fail the test.</summary>
    public async Task<IPage> OpenAsync(WebUiFactory app, string language = "fr", ViewportSize? viewport = null)
    {
        var baseUrl = app.BaseUrl;
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            Locale = language == "fr" ? "fr-FR" : "en-GB",
            TimezoneId = "Europe/Paris",
            ViewportSize = viewport ?? Desktop,
        });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = baseUrl });
        context.SetDefaultTimeout(10_000);
        app.Track(context);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        PageErrors[page] = errors;
        return page;
    }

    /// <summary>Uncaught script errors per page: every test checks there were none.</summary>
    public Dictionary<IPage, List<string>> PageErrors { get; } = [];

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>UI tests run one at a time (2 shared cores); the rig is brought up only by tests that ask it for a value.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>, ICollectionFixture<RigFixture>
{
    public const string Name = "browser";
}
