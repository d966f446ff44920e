using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace VmManager.Web.Tests;

/// <summary>The login page in a real browser (Debian's chromium) against the app on Kestrel with the demo accounts.</summary>
public sealed class LoginFlowTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "vmm-web-test-" + Guid.NewGuid().ToString("N")[..12]);
    private WebApplicationFactory<Program> _factory = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            builder.ConfigureAppConfiguration(configuration =>
                configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _data })));
        _factory.UseKestrel(0);
        _factory.StartServer();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });
        _page = await (await _browser.NewContextAsync()).NewPageAsync();
        await _page.GotoAsync(_factory.ClientOptions.BaseAddress.ToString());
        await _page.ClickAsync("[data-lang=en]");
    }

    [Fact]
    public async Task LoginThenLogout_DemoStudent_LogoutCarriesTheAntiforgeryTokenAndEndsTheSession()
    {
        await SubmitAsync("etudiant", "Etudiant-Demo1");
        await Assertions.Expect(_page.Locator("#display-name")).ToHaveTextAsync("Élève Démo");

        var logout = await _page.RunAndWaitForResponseAsync(() => _page.ClickAsync("#logout"),
            response => response.Request.Method == "DELETE" && response.Url.EndsWith("/api/session", StringComparison.Ordinal));

        Assert.Equal(204, logout.Status);
        Assert.False(string.IsNullOrEmpty(await logout.Request.HeaderValueAsync("x-csrf-token")));
        await Assertions.Expect(_page.Locator("#login")).ToBeVisibleAsync();
        Assert.Equal(401, await _page.EvaluateAsync<int>("async () => (await fetch('/api/session')).status"));
    }

    [Fact]
    public async Task Logout_AfterLoggingInAgainInAnotherTab_FetchesAFreshTokenAndSucceeds()
    {
        await SubmitAsync("etudiant", "Etudiant-Demo1");
        // Any state-changing call makes the page fetch and keep a token for this session (here a refused one).
        Assert.Equal(403, await _page.EvaluateAsync<int>(
            "async () => (await (await import('/js/api.js')).api('/api/admin/users/x/quota', { method: 'PUT', body: { maxVms: 1 } })).status"));
        var otherTab = await _page.Context.NewPageAsync();
        await otherTab.GotoAsync(_factory.ClientOptions.BaseAddress.ToString());
        Assert.Equal(200, await otherTab.EvaluateAsync<int>(
            "async () => (await (await import('/js/api.js')).api('/api/session', { method: 'POST', body: { userName: 'etudiant', password: 'Etudiant-Demo1' }, antiforgery: false })).status"));
        var deletes = new List<IResponse>();
        _page.Response += (_, response) =>
        {
            if (response.Request.Method == "DELETE")
            {
                deletes.Add(response);
            }
        };

        await _page.RunAndWaitForResponseAsync(() => _page.ClickAsync("#logout"), response => response.Request.Method == "DELETE" && response.Status == 204);

        Assert.Equal([400, 204], deletes.Select(response => response.Status));
    }

    [Fact]
    public async Task Login_SixthWrongPassword_ShowsTheThrottleMessage()
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitAsync("etudiant", "wrong");
        }
        await Assertions.Expect(_page.Locator("#login-error")).ToHaveTextAsync("Wrong user name or password.");

        await SubmitAsync("etudiant", "wrong");

        await Assertions.Expect(_page.Locator("#login-error")).ToHaveTextAsync("Too many attempts. Wait a minute before trying again.");
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private Task SubmitAsync(string userName, string password) => _page.RunAndWaitForResponseAsync(async () =>
    {
        await _page.FillAsync("#userName", userName);
        await _page.FillAsync("#password", password);
        await _page.ClickAsync("button[type=submit]");
    }, response => response.Request.Method == "POST" && response.Url.EndsWith("/api/session", StringComparison.Ordinal));
}
