using System.Net;
using System.Net.Http.Json;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>The console is offered as soon as the VM has a screen, not at the next periodic runtime refresh.</summary>
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

    [Fact]
    public async Task Create_DomainLaunchedWhileVagrantGoesOn_ConsoleOfferedDuringTheCreate()
    {
        _ = rig.Env;
        using var tools = new TempDirectory();
        var gate = tools.File("let-vagrant-finish");
        using var factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VagrantPath"] = DomainMakingVagrant(tools, gate),
            ["Machines:StateRefreshSeconds"] = "3600",
        });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var accepted = await MachineApi.CreateAsync(client, "watch-it-boot");
        try
        {
            var booting = await WaitForConsoleAsync(client, accepted.Machine.Id);
            var ticket = await client.PostAsJsonAsync("/api/consoles", new { vmId = accepted.Machine.Id });
            File.WriteAllText(gate, "");
            var job = await MachineApi.WaitForJobAsync(client, accepted.Job.Id);

            Assert.Equal(MachineStates.Creating, booting.State);
            Assert.Equal(HttpStatusCode.OK, ticket.StatusCode);
            Assert.Equal(JobStates.Succeeded, job.State);
            Assert.True((await MachineApi.GetAsync(client, accepted.Machine.Id))!.ConsoleAvailable);
        }
        finally
        {
            File.WriteAllText(gate, "");
            await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, accepted.Machine.Id, "delete")).Id);
        }
        await RigHost.AssertNothingLeftAsync(factory.Naming, accepted.Machine.Id, Path.Combine(factory.VmRoot, "etudiant", accepted.Machine.Id));
    }

    private static async Task<MachineView> WaitForConsoleAsync(HttpClient client, string machineId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var machine = await MachineApi.GetAsync(client, machineId);
            if (machine is { ConsoleAvailable: true })
            {
                return machine;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no console offered for {machineId} ({machine?.State})");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// A vagrant whose "up" defines and starts a small diskless domain named as the Vagrantfile's prefix says,
    /// prints vagrant-libvirt's next step, then (with a <paramref name="gate"/>) waits for that file as the real
    /// one waits for the guest's network and SSH.
    /// </summary>
    private static string DomainMakingVagrant(TempDirectory folder, string gate = "")
    {
        var path = folder.File("vagrant");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            if [ "$1" = box ]; then
              echo '1,,box-name,vmm/tiny'; echo '1,,box-provider,libvirt'; echo '1,,box-version,0'; exit 0
            fi
            name="$(sed -n 's/^ *lv.default_prefix = "\(.*\)"$/\1/p' Vagrantfile)default"
            echo "<domain type='qemu'><name>$name</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices></domain>" > domain.xml
            virsh -q -c qemu:///system define domain.xml && virsh -q -c qemu:///system start "$name" || exit 1
            echo '==> default: Waiting for domain to get an IP address...'
            while [ -n '{{gate}}' ] && [ ! -e '{{gate}}' ]; do sleep 0.1; done
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
