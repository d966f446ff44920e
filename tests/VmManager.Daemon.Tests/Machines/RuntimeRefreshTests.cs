using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>The console is offered as soon as the create job ends, not at the next periodic runtime refresh.</summary>
[Collection(RigCollection.Name)]
public sealed class RuntimeRefreshTests(RigFixture rig)
{
    [Fact]
    public async Task Create_JobSucceeded_ConsoleAvailableWithoutWaitingForThePeriodicRefresh()
    {
        _ = rig.Env;
        using var tools = new TempDirectory();
        using var factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VagrantPath"] = DomainMakingVagrant(tools),
            // Only the refresh at start runs (before the VM exists): what the test sees comes from the job's own refresh.
            ["Machines:StateRefreshSeconds"] = "3600",
        });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var accepted = await MachineApi.CreateAsync(client, "console-at-once");
        try
        {
            Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, accepted.Job.Id)).State);

            var machine = await MachineApi.GetAsync(client, accepted.Machine.Id);

            Assert.Equal(MachineStates.Running, machine!.State);
            Assert.True(machine.ConsoleAvailable, "the console is not offered right after the create job");
        }
        finally
        {
            await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, accepted.Machine.Id, "delete")).Id);
        }
        await RigHost.AssertNothingLeftAsync(factory.Naming, accepted.Machine.Id, Path.Combine(factory.VmRoot, "etudiant", accepted.Machine.Id));
    }

    /// <summary>A vagrant whose "up" defines and starts a small diskless domain named as the Vagrantfile's prefix says.</summary>
    private static string DomainMakingVagrant(TempDirectory folder)
    {
        var path = folder.File("vagrant");
        File.WriteAllText(path, """
            #!/bin/sh
            if [ "$1" = box ]; then
              echo '1,,box-name,vmm/tiny'; echo '1,,box-provider,libvirt'; echo '1,,box-version,0'; exit 0
            fi
            name="$(sed -n 's/^ *lv.default_prefix = "\(.*\)"$/\1/p' Vagrantfile)default"
            echo "<domain type='qemu'><name>$name</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices></domain>" > domain.xml
            virsh -q -c qemu:///system define domain.xml && virsh -q -c qemu:///system start "$name"
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
