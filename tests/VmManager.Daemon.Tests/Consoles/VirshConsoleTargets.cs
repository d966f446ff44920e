using System.Collections.Concurrent;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Console targets answered by libvirt itself: a VM runs when virsh says so, on the VNC port virsh reports.</summary>
public sealed class VirshConsoleTargets(Virsh virsh) : IConsoleTargets
{
    private readonly ConcurrentDictionary<string, (string Domain, string Owner, string? VncPassword)> _vms = new();

    public void Add(string vmId, string domain, string owner, string? vncPassword = null) => _vms[vmId] = (domain, owner, vncPassword);

    public async Task<ConsoleTarget?> FindRunningAsync(string vmId, CancellationToken cancellationToken)
    {
        if (!_vms.TryGetValue(vmId, out var vm) || await virsh.StateAsync(vm.Domain, cancellationToken) != DomainState.Running)
        {
            return null;
        }
        return await virsh.VncPortAsync(vm.Domain, cancellationToken) is { } port ? new ConsoleTarget(vmId, vm.Owner, port, vm.VncPassword) : null;
    }

    public Task<string?> FindOwnerAsync(string vmId, CancellationToken cancellationToken) =>
        Task.FromResult(_vms.TryGetValue(vmId, out var vm) ? vm.Owner : null);
}
