namespace VmManager.Perf.Harness;

/// <summary>
/// Keeps the benchmark's VMs out of reach of the other daemons on this shared rig. Daemons built before
/// the reconciler's ownership check (other engineers' test runs) destroy every vmm_&lt;id&gt;_ domain they
/// have no row for, i.e. this run's VMs, mid-create. So the daemon under test gets two thin wrappers:
/// vagrant, which renames the Vagrantfile's prefix vmm_ → vmp_ before running the real (or fake) vagrant,
/// and virsh, which maps vmm_ → vmp_ in its arguments and back in its output. The daemon sees its usual
/// names; libvirt holds names no daemon claims. Cost: one bash and one sed per virsh call (a few ms),
/// nothing per vagrant line. --no-shield runs without it.
/// </summary>
public static class Shield
{
    public const string HiddenPrefix = "vmp_";

    /// <summary>The name libvirt knows for a name the daemon uses.</summary>
    public static string Real(string name, bool shielded = true) =>
        shielded && name.StartsWith(VmManager.Daemon.Machines.MachineNames.DomainPrefix, StringComparison.Ordinal) ? HiddenPrefix + name[4..] : name;

    /// <summary>Adds Hypervisor:VirshPath and Hypervisor:VagrantPath wrappers around <paramref name="vagrant"/> to the daemon's settings.</summary>
    public static void Apply(Scratch scratch, Dictionary<string, object> settings, string vagrant)
    {
        var virshWrapper = scratch.File("shield-virsh");
        File.WriteAllText(virshWrapper, $$"""
            #!/bin/bash
            # vm-manager's view: vmm_ names; libvirt's: vmp_ (see bench/VmManager.Perf/Harness/Shield.cs).
            args=()
            for a in "$@"; do args+=("${a/#vmm_/{{HiddenPrefix}}}"); done
            virsh "${args[@]}" 2>&1 | sed 's/{{HiddenPrefix}}/vmm_/g'
            exit "${PIPESTATUS[0]}"
            """);
        var vagrantWrapper = scratch.File("shield-vagrant");
        File.WriteAllText(vagrantWrapper, $$"""
            #!/bin/sh
            # Domains and volumes get the vmp_ prefix (see bench/VmManager.Perf/Harness/Shield.cs).
            [ -f Vagrantfile ] && sed -i 's/lv.default_prefix = "vmm_/lv.default_prefix = "{{HiddenPrefix}}/' Vagrantfile
            exec {{vagrant}} "$@"
            """);
        foreach (var file in new[] { virshWrapper, vagrantWrapper })
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        settings["Hypervisor:VirshPath"] = virshWrapper;
        settings["Hypervisor:VagrantPath"] = vagrantWrapper;
    }
}
