namespace VmManager.Daemon.Consoles;

/// <summary>
/// A running VM's console: who owns it, where its VNC server listens (127.0.0.1) and the VNC password the
/// bridge authenticates with (null for a VM created before VNC passwords: its screen is passed through as is).
/// </summary>
public sealed record ConsoleTarget(string VmId, string Owner, int VncPort, string? VncPassword = null)
{
    /// <summary>Never print the password (records print every property by default).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"VmId = {VmId}, Owner = {Owner}, VncPort = {VncPort}, VncPassword = {(VncPassword is null ? "none" : "***")}");
        return true;
    }
}

/// <summary>What the console feature needs to know about VMs; implemented by the Machines feature.</summary>
public interface IConsoleTargets
{
    /// <summary>The VM's console while it runs; null when the VM is unknown or not running.</summary>
    Task<ConsoleTarget?> FindRunningAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>
    /// The owner of a VM known in any state, null when unknown. Only asked after FindRunningAsync
    /// returned null, to answer "not running" (409) to those allowed to see the VM and "not found"
    /// (404) to everyone else.
    /// </summary>
    Task<string?> FindOwnerAsync(string vmId, CancellationToken cancellationToken);
}
