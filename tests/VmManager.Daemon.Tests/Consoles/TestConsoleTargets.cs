using System.Collections.Concurrent;
using VmManager.Daemon.Consoles;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>The Machines side of the contract, as a table the test edits (VMs whose VNC port is a socket the test owns).</summary>
public sealed class TestConsoleTargets : IConsoleTargets
{
    private readonly ConcurrentDictionary<string, (string Owner, int? Port)> _vms = new();

    public void Run(string vmId, string owner, int vncPort) => _vms[vmId] = (owner, vncPort);

    public void Stop(string vmId) => _vms[vmId] = (_vms[vmId].Owner, null);

    public Task<ConsoleTarget?> FindRunningAsync(string vmId, CancellationToken cancellationToken) =>
        Task.FromResult(_vms.TryGetValue(vmId, out var vm) && vm.Port is { } port ? new ConsoleTarget(vmId, vm.Owner, port) : null);

    public Task<string?> FindOwnerAsync(string vmId, CancellationToken cancellationToken) =>
        Task.FromResult(_vms.TryGetValue(vmId, out var vm) ? vm.Owner : null);
}
