using System.Net;
using System.Net.Sockets;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>
/// A second daemon on the same data folder used to kill the first one's vagrant as a "stray", rerun its job,
/// then die on the port with a 60-line stack trace and exit 134.
/// </summary>
public sealed class SingleInstanceTests
{
    [Fact]
    public async Task Start_DataFolderHeldByARunningDaemon_ExitsTwoNamingTheFolderAndTheHolder()
    {
        using var data = new TempDirectory();
        var arguments = SystemdNotifyTests.Arguments(data);
        using var first = DaemonProcess.Start(arguments);
        await WaitForAsync(() => first.Output.Contains("Now listening on", StringComparison.Ordinal));

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(arguments);

        Assert.Equal(2, exitCode);
        Assert.Equal($"vm-manager: Storage:DataDirectory: {Path.GetFullPath(data.Path)} is in use by another vm-manager (pid {first.Id}); one daemon per data folder", error);
        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Start_PortAlreadyInUse_ExitsTwoWithOneLine()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var data = new TempDirectory();
        var config = data.File("vm-manager.json");
        File.WriteAllText(config, $$"""
            {
              "Server": { "Url": "http://127.0.0.1:{{port}}" },
              "Storage": { "DataDirectory": "{{data.Path}}" },
            }
            """);

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"vm-manager: Server:Url: Failed to bind to address http://127.0.0.1:{port}: address already in use. (another process listens there)", error);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !condition(); await Task.Delay(50))
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
        }
    }
}
