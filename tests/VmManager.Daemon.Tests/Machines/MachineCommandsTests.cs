using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>The admin commands and a SIGTERM, against the built binary, a real database and the rig.</summary>
[Collection(RigCollection.Name)]
public sealed class MachineCommandsTests(RigFixture rig)
{
    [Fact]
    public async Task VmsCommands_RunningDaemon_ListStopDeleteAndReconcileThroughTheDatabase()
    {
        _ = rig.Env;
        using var data = new TempDirectory();
        var port = CrashRecoveryTests.FreePort();
        var config = CrashRecoveryTests.WriteConfig(data, port);
        using var daemon = DaemonProcess.Start(config);
        using var client = await CrashRecoveryTests.LoginAsync(port);
        var accepted = await CreateAsync(client, "cli-target");
        Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, accepted.Job.Id)).State);

        var list = await DaemonProcess.RunToExitAsync(["vms", "list", .. config]);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(accepted.Machine.Id, list.Output);
        Assert.Contains("running", list.Output);

        var stop = await DaemonProcess.RunToExitAsync(["vms", "stop", accepted.Machine.Id, .. config]);
        Assert.Equal(0, stop.ExitCode);
        Assert.Contains("queued job", stop.Output);
        await MachineApi.WaitForStateAsync(client, accepted.Machine.Id, MachineStates.Stopped, TimeSpan.FromMinutes(2));

        var unknown = await DaemonProcess.RunToExitAsync(["vms", "delete", "aaaaaaaaaa", .. config]);
        Assert.Equal(1, unknown.ExitCode);

        var delete = await DaemonProcess.RunToExitAsync(["vms", "delete", accepted.Machine.Id, .. config]);
        Assert.Equal(0, delete.ExitCode);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await MachineApi.GetAsync(client, accepted.Machine.Id) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the VM was not deleted");
            await Task.Delay(500);
        }

        var reconcile = await DaemonProcess.RunToExitAsync(["reconcile", .. config]);
        Assert.Equal(0, reconcile.ExitCode);
        Assert.Contains("removed orphan domains: none", reconcile.Output);
        var naming = new DomainNaming(Microsoft.Extensions.Options.Options.Create(new MachinesOptions { NamePrefix = VmManagerFactory.NamePrefixFor(data.Path) }));
        await RigHost.AssertNothingLeftAsync(naming, accepted.Machine.Id, Path.Combine(data.Path, "student_vms", "etudiant", accepted.Machine.Id));
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public async Task Sigterm_DuringACreate_LetsItFinishAndExitsZeroWithNothingLeftToRepair()
    {
        _ = rig.Env;
        using var data = new TempDirectory();
        var port = CrashRecoveryTests.FreePort();
        var config = CrashRecoveryTests.WriteConfig(data, port);
        Accepted accepted;
        using (var daemon = DaemonProcess.Start(config))
        {
            using var client = await CrashRecoveryTests.LoginAsync(port);
            accepted = await CreateAsync(client, "sigterm");
            await Task.Delay(TimeSpan.FromSeconds(4)); // vagrant up is under way

            daemon.Terminate();

            Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("running job", daemon.Output);
        }
        using (var restarted = DaemonProcess.Start(config))
        {
            using var client = await CrashRecoveryTests.LoginAsync(port);
            var machine = await MachineApi.WaitForStateAsync(client, accepted.Machine.Id, MachineStates.Running, TimeSpan.FromMinutes(3));
            Assert.Null(machine.Job);
            var job = await client.GetFromJsonAsync<JobView>($"/api/jobs/{accepted.Job.Id}", MachineApi.Json);
            Assert.Equal((JobStates.Succeeded, 1), (job!.State, job.Attempt));
            var delete = await client.DeleteAsync($"/api/vms/{accepted.Machine.Id}");
            var deleteJob = await delete.Content.ReadFromJsonAsync<JobView>(MachineApi.Json);
            Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, deleteJob!.Id)).State);
            restarted.Terminate();
            Assert.Equal(0, await restarted.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }
    }

    private static async Task<Accepted> CreateAsync(HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync("/api/vms", new { name, templateId = "tiny" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return JsonSerializer.Deserialize<Accepted>(await response.Content.ReadAsStringAsync(), MachineApi.Json)!;
    }
}
