namespace VmManager.Daemon.Machines;

/// <summary>Lifecycle states stored in machines.state.</summary>
public static class MachineStates
{
    public const string Creating = "creating";
    public const string Running = "running";
    public const string Stopped = "stopped";
    public const string Failed = "failed";
    public const string Deleting = "deleting";
    public const string Deleted = "deleted";

    /// <summary>Removed outside the daemon (someone ran virsh undefine); kept for the record.</summary>
    public const string Gone = "gone";

    public static bool IsFinal(string state) => state is Deleted or Gone;

    /// <summary>
    /// States in which the VM's screen may be shown: also while it is created, so a student watches it boot
    /// instead of waiting for the guest's network, SSH and the password step (bench/README.md, time to console).
    /// </summary>
    public static bool MayShowScreen(string state) => state is Running or Creating;
}

public sealed class Machine
{
    public string Id { get; init; } = "";

    public string Owner { get; init; } = "";

    public string Name { get; init; } = "";

    public string TemplateId { get; init; } = "";

    public int Cpus { get; init; }

    public int MemoryMib { get; init; }

    public int DiskGib { get; init; }

    public string State { get; init; } = "";

    public string DomainName { get; init; } = "";

    public string Folder { get; init; } = "";

    public string LoginUser { get; init; } = "";

    public string PasswordProtected { get; init; } = "";

    /// <summary>The VNC password QEMU asks of the console bridge; null for a VM created before VNC passwords.</summary>
    public string? VncPasswordProtected { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public string? LastError { get; init; }
}

public static class JobKinds
{
    public const string Create = "create";
    public const string Start = "start";
    public const string Stop = "stop";
    public const string ForceOff = "force-off";
    public const string Reboot = "reboot";
    public const string Delete = "delete";
}

public static class JobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

public sealed class Job
{
    public long Id { get; init; }

    public string MachineId { get; init; } = "";

    public string Kind { get; init; } = "";

    public string State { get; init; } = "";

    public string RequestedBy { get; init; } = "";

    public int Attempt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? Step { get; init; }

    public string? Error { get; init; }
}
