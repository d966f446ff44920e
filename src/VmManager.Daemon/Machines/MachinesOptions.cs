namespace VmManager.Daemon.Machines;

public enum OsFamily
{
    Linux,
    Windows,
}

/// <summary>An inclusive range with the value a new VM gets when the student does not choose.</summary>
public sealed class ResourceRange
{
    public int Default { get; set; }

    public int Min { get; set; }

    public int Max { get; set; }

    public bool Contains(int value) => value >= Min && value <= Max;
}

/// <summary>One entry of the catalogue students create VMs from.</summary>
public sealed class MachineTemplate
{
    public string Id { get; set; } = "";

    public string LabelFr { get; set; } = "";

    public string LabelEn { get; set; } = "";

    public string DescriptionFr { get; set; } = "";

    public string DescriptionEn { get; set; } = "";

    /// <summary>A Vagrant box already added on the host (vagrant box add), e.g. "debian/bookworm64".</summary>
    public string Box { get; set; } = "";

    /// <summary>Null or empty (TOML has no null): the newest version added.</summary>
    public string? BoxVersion { get; set; }

    public OsFamily Os { get; set; } = OsFamily.Linux;

    public ResourceRange Cpus { get; set; } = new() { Default = 1, Min = 1, Max = 2 };

    public ResourceRange MemoryMiB { get; set; } = new() { Default = 1024, Min = 512, Max = 4096 };

    public ResourceRange DiskGiB { get; set; } = new() { Default = 10, Min = 10, Max = 40 };

    /// <summary>Lifetimes a student may pick at create or extend to, in hours; the first is the default.</summary>
    /// <remarks>No default values: the configuration binder appends to an initialised array instead of replacing it.</remarks>
    public int[] LifetimeHours { get; set; } = [];

    /// <summary>libvirt domain type: "kvm" on real hosts, "qemu" (software emulation) where KVM is unavailable.</summary>
    public string Driver { get; set; } = "kvm";

    /// <summary>VNC keyboard map, and the guest's layout for Windows templates.</summary>
    public string Keymap { get; set; } = "fr";

    /// <summary>The guest account whose password is generated (Linux); Windows sets Administrator, the student and vagrant.</summary>
    public string LoginUser { get; set; } = "student";
}

public sealed class MachinesOptions
{
    public const string Section = "Machines";

    /// <summary>Starts the names of every domain and disk this instance creates; give each instance sharing a libvirt its own.</summary>
    public string NamePrefix { get; set; } = "vmm";

    /// <summary>Per-user folders student_vms/&lt;user&gt;/&lt;vm-id&gt;/ with each VM's Vagrantfile.</summary>
    public string VmRoot { get; set; } = "/var/lib/vm-manager/student_vms";

    /// <summary>
    /// Vagrant processes at once: by default one per CPU (at least 2). Each costs Ruby start-up and real CPU
    /// while its guest boots; the storm benchmark (bench/README.md) found more than the CPUs only lengthens
    /// every VM's create without bringing a whole class up sooner, and a single one twice as slow.
    /// </summary>
    public int MaxConcurrentOperations { get; set; } = Math.Clamp(Environment.ProcessorCount, 2, 16);

    public int CreateTimeoutSeconds { get; set; } = 900;

    public int OperationTimeoutSeconds { get; set; } = 300;

    /// <summary>How long a guest gets to power off on ACPI before it is forced off (Windows may ignore it).</summary>
    public int GracefulStopTimeoutSeconds { get; set; } = 90;

    public int StateRefreshSeconds { get; set; } = 5;

    public int ReconcileIntervalSeconds { get; set; } = 60;

    public List<MachineTemplate> Templates { get; set; } = [];
}
