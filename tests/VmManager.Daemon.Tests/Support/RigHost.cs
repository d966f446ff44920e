using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Tests.Support;

/// <summary>The test's own eyes on libvirt, to check what the daemon claims.</summary>
public static class RigHost
{
    public static Virsh Virsh { get; } = new(new ProcessRunner(NullLogger<ProcessRunner>.Instance), Options.Create(new HypervisorOptions { StoragePool = "vmm-rig" }));

    public static async Task AssertNothingLeftAsync(DomainNaming naming, string machineId, string folder)
    {
        Assert.Equal(DomainState.Missing, await Virsh.StateAsync(naming.DomainNameFor(machineId)));
        Assert.DoesNotContain(await Virsh.VolumesAsync(), volume => naming.MachineIdOf(volume) == machineId);
        Assert.False(Directory.Exists(folder), $"folder {folder} still exists");
    }
}
