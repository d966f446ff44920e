using System.Net;
using System.Net.Sockets;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Consoles;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Web.Tests.Consoles;

/// <summary>
/// The whole console path with real parts: chromium runs the page and noVNC, the daemon bridges to the
/// VNC server of a real QEMU guest on the rig, directly and behind nginx with deploy/nginx.conf.
/// </summary>
public sealed class ConsolePageTests(TinyVmFixture vm) : IClassFixture<TinyVmFixture>
{
    private const string VmId = "tiny-vm";

    [Fact]
    public async Task ConsolePage_StudentOnOwnRunningVm_ShowsTheGuestScreen()
    {
        using var host = new ConsoleTestHost(targets: Targets());
        await using var browser = await ConsoleBrowser.LaunchAsync();

        await browser.LogInAsync(host.BaseAddress, Student, Password(Student));
        await browser.OpenConsoleAsync(host.BaseAddress, VmId);

        Assert.Equal("Connecté", await browser.Page.TextContentAsync("#status"));
        Assert.False(await browser.Page.Locator("#view-only").IsVisibleAsync());
        Assert.True(await browser.Page.Locator("button[data-combo=ctrl-alt-del]").IsEnabledAsync());
        Assert.True((await browser.ScreenshotAsync("console-direct")).Length > 0);
        Assert.True(browser.Errors.Count == 0, string.Join("\n", browser.Errors));
    }

    [Fact]
    public async Task ConsolePage_ReconnectThenVmStopped_NewTicketThenCleanDisconnect()
    {
        using var host = new ConsoleTestHost(targets: Targets());
        await using var browser = await ConsoleBrowser.LaunchAsync();
        await browser.LogInAsync(host.BaseAddress, Student, Password(Student));
        await browser.OpenConsoleAsync(host.BaseAddress, VmId);

        await browser.Page.ClickAsync("#reconnect");
        await browser.WaitForStateAsync("connected");
        await WaitUntilAsync(() => host.Sessions.CountForVm(VmId) == 1); // the first session ended, the new one counts
        host.Sessions.CloseVm(VmId, "La VM a été arrêtée");
        await browser.WaitForStateAsync("disconnected");

        Assert.Equal("Déconnecté", await browser.Page.TextContentAsync("#status"));
        await browser.Page.ClickAsync("[data-lang=en]");
        Assert.Equal("Disconnected", await browser.Page.TextContentAsync("#status"));
        Assert.Equal("Reconnect", await browser.Page.TextContentAsync("#reconnect"));
        await WaitUntilAsync(() => host.Sessions.CountForVm(VmId) == 0);
        Assert.True(browser.Errors.Count == 0, string.Join("\n", browser.Errors));
    }

    [Fact]
    public async Task ConsolePage_ThroughNginx_ShowsTheGuestScreenAndLogsNoTicket()
    {
        var (httpsPort, httpPort) = (FreePort(), FreePort());
        var site = new Uri($"https://127.0.0.1:{httpsPort}/");
        using var host = new ConsoleTestHost(new Dictionary<string, string?> { ["Server:PublicOrigin"] = site.GetLeftPart(UriPartial.Authority) }, Targets());
        using var nginx = await NginxProxy.StartAsync(httpsPort, httpPort, host.BaseAddress.Port);
        await using var browser = await ConsoleBrowser.LaunchAsync();

        await browser.LogInAsync(site, Student, Password(Student));
        await browser.OpenConsoleAsync(site, VmId);

        Assert.Equal("Connecté", await browser.Page.TextContentAsync("#status"));
        Assert.True((await browser.ScreenshotAsync("console-nginx")).Length > 0);
        Assert.True(browser.Errors.Count == 0, string.Join("\n", browser.Errors));
        // nginx logs a WebSocket when it ends: leave the page, then read the log.
        await browser.Page.GotoAsync("about:blank");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!nginx.AccessLog.Contains("GET /console/" + VmId, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Contains($"\"GET /console/{VmId} HTTP/1.1\" 101", nginx.AccessLog);
        Assert.DoesNotContain("ticket", nginx.AccessLog);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var redirect = await http.GetAsync($"http://127.0.0.1:{httpPort}/console.html");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("https", redirect.Headers.Location?.Scheme);
    }

    [Fact]
    public async Task ConsolePage_TeacherOnAStudentsVm_WatchesInViewOnlyMode()
    {
        using var host = new ConsoleTestHost(targets: Targets());
        await using var browser = await ConsoleBrowser.LaunchAsync();

        await browser.LogInAsync(host.BaseAddress, ConsoleTestHost.Teacher, Password(ConsoleTestHost.Teacher));
        await browser.OpenConsoleAsync(host.BaseAddress, VmId);

        Assert.Equal("Connecté (lecture seule)", await browser.Page.TextContentAsync("#status"));
        Assert.True(await browser.Page.Locator("#view-only").IsVisibleAsync());
        Assert.True(await browser.Page.Locator("button[data-combo=ctrl-alt-del]").IsDisabledAsync());
        Assert.True(await browser.Page.Locator("#send-text").IsDisabledAsync());
        Assert.True((await browser.ScreenshotAsync("console-teacher")).Length > 0);
        Assert.True(browser.Errors.Count == 0, string.Join("\n", browser.Errors));
    }

    private VirshConsoleTargets Targets()
    {
        var targets = new VirshConsoleTargets(vm.Domain.Virsh);
        targets.Add(VmId, vm.Domain.Name, Student, vm.Domain.VncPassword);
        return targets;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(50);
        }
    }

    private static string Password(string userName) => DemoAccounts.Seed.Single(account => account.UserName == userName).Password;

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
