using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Machines;

/// <summary>
/// How this instance names what it creates in libvirt: "&lt;prefix&gt;_&lt;vm-id&gt;_default" for the domain and
/// "&lt;domain&gt;.img" for its disk. Anything without our prefix is never touched, so two instances (staging
/// and production, or parallel test runs) can share one libvirt without taking each other's VMs for orphans.
/// </summary>
public sealed class DomainNaming(IOptions<MachinesOptions> options)
{
    private string Prefix => options.Value.NamePrefix + "_";

    /// <summary>vagrant-libvirt's default_prefix: the domain becomes this plus "default".</summary>
    public string DomainPrefixFor(string machineId) => $"{Prefix}{machineId}_";

    public string DomainNameFor(string machineId) => DomainPrefixFor(machineId) + "default";

    /// <summary>The machine id inside one of our domain or volume names, or null for anything else.</summary>
    public string? MachineIdOf(string domainOrVolume)
    {
        var prefix = Prefix;
        if (!domainOrVolume.StartsWith(prefix, StringComparison.Ordinal) || domainOrVolume.Length <= prefix.Length + 10
            || domainOrVolume[prefix.Length + 10] != '_')
        {
            return null;
        }
        var id = domainOrVolume.Substring(prefix.Length, 10);
        return MachineNames.IsId(id) ? id : null;
    }
}
