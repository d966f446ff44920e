using VmManager.Daemon.Consoles;

namespace VmManager.Daemon.Machines;

/// <summary>What the console needs of a VM: its owner, and its VNC port from the runtime cache while its domain runs.</summary>
public sealed class MachineConsoleTargets(MachineStore store, MachineRuntimeCache runtime) : IConsoleTargets
{
    public Task<ConsoleTarget?> FindRunningAsync(string vmId, CancellationToken cancellationToken)
    {
        var machine = MachineNames.IsId(vmId) ? store.Find(vmId) : null;
        return Task.FromResult(machine is not null && runtime.ScreenPortOf(machine) is { } port
            ? new ConsoleTarget(machine.Id, machine.Owner, port)
            : null);
    }

    public Task<string?> FindOwnerAsync(string vmId, CancellationToken cancellationToken)
    {
        var machine = MachineNames.IsId(vmId) ? store.Find(vmId) : null;
        return Task.FromResult(machine is not null && !MachineStates.IsFinal(machine.State) ? machine.Owner : null);
    }
}
