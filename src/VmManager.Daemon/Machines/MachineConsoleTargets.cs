using System.Security.Cryptography;
using VmManager.Daemon.Consoles;

namespace VmManager.Daemon.Machines;

/// <summary>What the console needs of a VM: its owner, its VNC port from the runtime cache while its domain runs, and its VNC password.</summary>
public sealed class MachineConsoleTargets(MachineStore store, MachineRuntimeCache runtime, CredentialVault vault) : IConsoleTargets
{
    public Task<ConsoleTarget?> FindRunningAsync(string vmId, CancellationToken cancellationToken)
    {
        var machine = MachineNames.IsId(vmId) ? store.Find(vmId) : null;
        return Task.FromResult(machine is not null && runtime.ScreenPortOf(machine) is { } port
            ? new ConsoleTarget(machine.Id, machine.Owner, port, VncPassword(machine))
            : null);
    }

    public Task<string?> FindOwnerAsync(string vmId, CancellationToken cancellationToken)
    {
        var machine = MachineNames.IsId(vmId) ? store.Find(vmId) : null;
        return Task.FromResult(machine is not null && !MachineStates.IsFinal(machine.State) ? machine.Owner : null);
    }

    /// <summary>
    /// Null for a VM created before VNC passwords. Keys lost since the VM was created: no usable password
    /// either, and then QEMU's own prompt is what the browser gets (the console does not open, nothing leaks).
    /// </summary>
    private string? VncPassword(Machine machine)
    {
        if (machine.VncPasswordProtected is not { } protectedPassword)
        {
            return null;
        }
        try
        {
            return vault.Unprotect(protectedPassword);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
