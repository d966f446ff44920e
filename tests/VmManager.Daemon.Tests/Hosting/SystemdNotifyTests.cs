using System.Net.Sockets;
using System.Text;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

public sealed class SystemdNotifyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Daemon_UnderSystemd_SendsReadyThenStoppingAndExitsZero(bool abstractSocket)
    {
        using var data = new TempDirectory();
        var socketName = abstractSocket ? "@vmm-test-" + Guid.NewGuid().ToString("N") : data.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(abstractSocket ? "\0" + socketName[1..] : socketName));

        using var daemon = DaemonProcess.Start(Arguments(data), new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = socketName });

        Assert.Equal("READY=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(30)));
        daemon.Terminate();
        Assert.Equal("STOPPING=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // The systemd console format: a <N> priority prefix journald turns into a level, no ANSI colours.
        Assert.Contains("<6>", daemon.Output);
        Assert.False(daemon.Output.Contains('\u001b', StringComparison.Ordinal), "ANSI colour codes in the journal");
    }

    [Fact]
    public async Task Daemon_WithWatchdogUsec_SendsWatchdogPings()
    {
        using var data = new TempDirectory();
        var socketPath = data.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        using var daemon = DaemonProcess.Start(Arguments(data), new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "400000",
        });

        // Pings start with the hosted services, READY=1 once Kestrel listens: on a busy machine two
        // pings (200 ms apart) can come first, so wait for both rather than assume an order.
        var received = new List<string>();
        while (!received.Contains("READY=1") || received.Count(message => message == "WATCHDOG=1") < 2)
        {
            received.Add(await ReceiveAsync(socket, TimeSpan.FromSeconds(30)));
        }
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Daemon_OutsideSystemd_LogsInTheUsualFormat()
    {
        using var data = new TempDirectory();
        using var daemon = DaemonProcess.Start(Arguments(data));
        await WaitForAsync(() => daemon.Output.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("info: ", daemon.Output);
        Assert.DoesNotContain("<6>", daemon.Output);
    }

    internal static string[] Arguments(TempDirectory data)
    {
        var config = data.File("vm-manager.json");
        File.WriteAllText(config, $$"""
            // a minimal production-like file
            {
              "Server": { "Url": "http://127.0.0.1:0" },
              "Storage": { "DataDirectory": "{{data.Path}}" },
            }
            """);
        return ["--config", config];
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation.Token);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
