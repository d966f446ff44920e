using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Hypervisor;
using VmManager.Daemon.Tests.Support;


namespace VmManager.Daemon.Tests.Machines;

/// <summary>Every operation on the real rig: libvirtd + QEMU, Vagrant + vagrant-libvirt, the tiny box.</summary>
[Collection(RigCollection.Name)]
public sealed class MachineLifecycleTests(RigFixture rig)
{
    [Fact]
    public async Task Lifecycle_CreateStopStartRebootDelete_LeavesNothingBehind()
    {
        _ = rig.Env;
        using var factory = new VmManagerFactory();
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var accepted = await MachineApi.CreateAsync(client, "lifecycle");
        Assert.Equal(MachineStates.Creating, accepted.Machine.State);
        var id = accepted.Machine.Id;
        var folder = Path.Combine(factory.VmRoot, "etudiant", id);
        try
        {
            var created = await MachineApi.WaitForJobAsync(client, accepted.Job.Id);
            Assert.True(created.State == JobStates.Succeeded, created.Error);
            Assert.Equal(MachineStates.Running, (await MachineApi.GetAsync(client, id))!.State);
            Assert.True(File.Exists(Path.Combine(folder, "Vagrantfile")));
            var port = await RigHost.Virsh.VncPortAsync(factory.Naming.DomainNameFor(id));
            Assert.StartsWith("RFB 003.", await VirshTests.ReadGreetingAsync(port!.Value));
            var credentials = await client.GetFromJsonAsync<Credentials>($"/api/vms/{id}/credentials", MachineApi.Json);
            Assert.Equal("root", credentials!.UserName);
            Assert.True(credentials.Password.Length >= 12);
            Assert.DoesNotContain(credentials.Password, await client.GetStringAsync($"/api/vms/{id}/log"));

            var stopped = await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, id, "stop")).Id);
            Assert.True(stopped.State == JobStates.Succeeded, stopped.Error);
            Assert.Equal(DomainState.ShutOff, await RigHost.Virsh.StateAsync(factory.Naming.DomainNameFor(id)));
            Assert.Equal(MachineStates.Stopped, (await MachineApi.GetAsync(client, id))!.State);

            Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, id, "start")).Id)).State);
            Assert.Equal(DomainState.Running, await RigHost.Virsh.StateAsync(factory.Naming.DomainNameFor(id)));

            Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, id, "reboot")).Id)).State);
            Assert.Equal(MachineStates.Running, (await MachineApi.GetAsync(client, id))!.State);
        }
        finally
        {
            var deleted = await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, id, "delete")).Id);
            Assert.True(deleted.State == JobStates.Succeeded, deleted.Error);
        }
        Assert.Null(await MachineApi.GetAsync(client, id));
        await RigHost.AssertNothingLeftAsync(factory.Naming, id, folder);
    }

    [Fact]
    public async Task Create_TwoUsersSameNameAtOnce_BothGetTheirOwnVm()
    {
        using var factory = new VmManagerFactory();
        factory.Services.GetRequiredService<LocalAccountStore>().Create("lea", "Léa", null, Role.Student, "Lea-Password1");
        var etudiant = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var lea = await factory.LoginAsync("lea", "Lea-Password1");

        var both = await Task.WhenAll(MachineApi.CreateAsync(etudiant, "shared-name"), MachineApi.CreateAsync(lea, "shared-name"));
        try
        {
            var jobs = await Task.WhenAll(MachineApi.WaitForJobAsync(etudiant, both[0].Job.Id), MachineApi.WaitForJobAsync(lea, both[1].Job.Id));
            Assert.All(jobs, job => Assert.True(job.State == JobStates.Succeeded, job.Error));
            Assert.NotEqual(both[0].Machine.Id, both[1].Machine.Id);
            Assert.Equal(DomainState.Running, await RigHost.Virsh.StateAsync(factory.Naming.DomainNameFor(both[0].Machine.Id)));
            Assert.Equal(DomainState.Running, await RigHost.Virsh.StateAsync(factory.Naming.DomainNameFor(both[1].Machine.Id)));
            // Each sees only their own.
            Assert.Single(await etudiant.GetFromJsonAsync<MachineView[]>("/api/vms", MachineApi.Json) ?? []);
            Assert.Equal(HttpStatusCode.NotFound, (await lea.GetAsync($"/api/vms/{both[0].Machine.Id}")).StatusCode);
        }
        finally
        {
            await Task.WhenAll(
                MachineApi.ActAsync(etudiant, both[0].Machine.Id, "delete").ContinueWith(job => MachineApi.WaitForJobAsync(etudiant, job.Result.Id)).Unwrap(),
                MachineApi.ActAsync(lea, both[1].Machine.Id, "delete").ContinueWith(job => MachineApi.WaitForJobAsync(lea, job.Result.Id)).Unwrap());
        }
        await RigHost.AssertNothingLeftAsync(factory.Naming, both[0].Machine.Id, Path.Combine(factory.VmRoot, "etudiant", both[0].Machine.Id));
        await RigHost.AssertNothingLeftAsync(factory.Naming, both[1].Machine.Id, Path.Combine(factory.VmRoot, "lea", both[1].Machine.Id));
    }

    [Fact]
    public async Task Stop_GuestIgnoresAcpi_IsForcedOffAfterTheTimeout()
    {
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Machines:GracefulStopTimeoutSeconds"] = "3" });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var accepted = await MachineApi.CreateAsync(client, "deaf");
        var id = accepted.Machine.Id;
        try
        {
            Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, accepted.Job.Id)).State);
            // The guest's power button handler is acpid: without it ACPI shutdown requests are ignored.
            var runner = new ProcessRunner(Microsoft.Extensions.Logging.Abstractions.NullLogger<ProcessRunner>.Instance);
            var deafen = await runner.RunAsync(new CommandLine("vagrant", ["ssh", "-c", "killall acpid"], TimeSpan.FromMinutes(1))
            {
                WorkingDirectory = Path.Combine(factory.VmRoot, "etudiant", id),
                Environment = new Dictionary<string, string> { ["VAGRANT_HOME"] = rig["VAGRANT_HOME"] },
            });
            Assert.True(deafen.Succeeded, deafen.Output);

            var stop = await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, id, "stop")).Id);

            Assert.Equal(JobStates.Succeeded, stop.State);
            Assert.Contains("forcing it off", await client.GetStringAsync($"/api/vms/{id}/log"));
            Assert.Equal(DomainState.ShutOff, await RigHost.Virsh.StateAsync(factory.Naming.DomainNameFor(id)));
        }
        finally
        {
            await MachineApi.WaitForJobAsync(client, (await MachineApi.ActAsync(client, id, "delete")).Id);
        }
    }
}
