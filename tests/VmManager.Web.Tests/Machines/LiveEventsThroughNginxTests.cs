using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Consoles;
using VmManager.Web.Tests.Consoles;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Web.Tests.Machines;

/// <summary>The pages' server-sent events behind the real nginx with deploy/nginx.conf: nothing holds them back.</summary>
public sealed class LiveEventsThroughNginxTests
{
    [Fact]
    public async Task Events_ThroughNginx_StateChangeSeenWithinTwoSeconds()
    {
        var (httpsPort, httpPort) = (FreePort(), FreePort());
        var site = new Uri($"https://127.0.0.1:{httpsPort}/");
        using var host = new ConsoleTestHost(new Dictionary<string, string?> { ["Server:PublicOrigin"] = site.GetLeftPart(UriPartial.Authority) });
        using var nginx = await NginxProxy.StartAsync(httpsPort, httpPort, host.BaseAddress.Port);
        await using var browser = await ConsoleBrowser.LaunchAsync();
        await browser.LogInAsync(site, Student, DemoAccounts.Seed.Single(account => account.UserName == Student).Password);
        var events = host.Service<MachineEvents>();
        await browser.Page.EvaluateAsync("""
            () => {
              window.__changes = [];
              new EventSource('/api/vms/events').addEventListener('machine', event => window.__changes.push(JSON.parse(event.data)));
            }
            """);
        // Once one event got through, the page's stream is connected: from then on, time the next one.
        var connected = DateTime.UtcNow.AddSeconds(30);
        do
        {
            events.Publish(new MachineChanged("vm-live", Student, MachineStates.Running, null, 6));
            await Task.Delay(200);
        }
        while (!await browser.Page.EvaluateAsync<bool>("() => window.__changes.length > 0") && DateTime.UtcNow < connected);
        Assert.True(DateTime.UtcNow < connected, "no event reached the page through nginx within 30 s");

        var clock = Stopwatch.StartNew();
        events.Publish(new MachineChanged("vm-live", Student, MachineStates.Stopped, null, 7));
        await browser.Page.WaitForFunctionAsync("() => window.__changes.some(change => change.machineId === 'vm-live' && change.state === 'stopped')",
            null, new() { Timeout = 10_000, PollingInterval = 20 });

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the change took {clock.Elapsed.TotalSeconds:F1} s to reach the page through nginx");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
