using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Bench;

/// <summary>The real daemon (demo config, in-process on Kestrel) whose three "VMs" are the loopback servers.</summary>
public static class BridgeHost
{
    public const string Owner = "etudiant";
    public const string Password = "Etudiant-Demo1";

    public static async Task<int> RunAsync(int sourcePort, int sinkPort, int idlePort, int bufferBytes)
    {
        var targets = new FixedTargets(new Dictionary<string, int> { ["source"] = sourcePort, ["sink"] = sinkPort, ["idle"] = idlePort });
        using var daemon = new VmManagerFactory(
            new Dictionary<string, string?>
            {
                ["Consoles:BufferBytes"] = bufferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Consoles:MaxSessionsPerUser"] = "10000",
                ["Consoles:MaxSessionsPerVm"] = "10000",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            services => services.AddSingleton<IConsoleTargets>(targets));
        var address = daemon.StartKestrel();
        Console.WriteLine($"READY {address}");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private sealed class FixedTargets(Dictionary<string, int> ports) : IConsoleTargets
    {
        public Task<ConsoleTarget?> FindRunningAsync(string vmId, CancellationToken cancellationToken) =>
            Task.FromResult(ports.TryGetValue(vmId, out var port) ? new ConsoleTarget(vmId, Owner, port) : null);

        public Task<string?> FindOwnerAsync(string vmId, CancellationToken cancellationToken) =>
            Task.FromResult(ports.ContainsKey(vmId) ? Owner : null);
    }
}
