using System.Net;
using System.Net.Http.Json;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>Faults injected with a fake vagrant: the real one cannot be made to hang on demand.</summary>
public sealed class MachineFaultTests
{
    [Fact]
    public async Task Create_VagrantHangs_IsKilledAtItsTimeoutAndTheJobFailsWithTheReason()
    {
        using var tools = new TempDirectory();
        var vagrant = FakeVagrant(tools, "sleep 300");
        using var factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VagrantPath"] = vagrant,
            ["Machines:CreateTimeoutSeconds"] = "2",
        });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var accepted = await MachineApi.CreateAsync(client, "hangs");
        var job = await MachineApi.WaitForJobAsync(client, accepted.Job.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(JobStates.Failed, job.State);
        Assert.Contains("did not finish within 2 s and was killed", job.Error);
        var machine = await MachineApi.GetAsync(client, accepted.Machine.Id);
        Assert.Equal(MachineStates.Failed, machine!.State);
        Assert.Contains("did not finish", machine.LastError);
        Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("sleep"), process =>
            File.ReadAllText($"/proc/{process.Id}/cmdline").Contains("300", StringComparison.Ordinal) && IsChildOfTest(process.Id, tools.Path));
    }

    [Fact]
    public async Task Act_WhileAnotherOperationRuns_Is409AndNothingIsLost()
    {
        using var tools = new TempDirectory();
        var vagrant = FakeVagrant(tools, "sleep 20");
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:VagrantPath"] = vagrant });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var accepted = await MachineApi.CreateAsync(client, "busy");

        var delete = await client.DeleteAsync($"/api/vms/{accepted.Machine.Id}");
        var stop = await client.PostAsync($"/api/vms/{accepted.Machine.Id}/stop", null);

        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stop.StatusCode);
        Assert.Contains("operation-in-progress", await stop.Content.ReadAsStringAsync());
        var job = await client.GetFromJsonAsync<JobView>($"/api/jobs/{accepted.Job.Id}", MachineApi.Json);
        Assert.Contains(job!.State, new[] { JobStates.Queued, JobStates.Running });
    }

    /// <summary>Answers "box list" like vagrant (so the box check passes) and otherwise runs <paramref name="behaviour"/>.</summary>
    internal static string FakeVagrant(TempDirectory folder, string behaviour)
    {
        var path = folder.File("vagrant");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            if [ "$1" = box ]; then
              echo '1,,box-name,vmm/tiny'; echo '1,,box-provider,libvirt'; echo '1,,box-version,0'; exit 0
            fi
            echo "fake vagrant $*"
            {{behaviour}}
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static bool IsChildOfTest(int pid, string marker)
    {
        try
        {
            var parent = File.ReadAllText($"/proc/{pid}/stat").Split(' ')[3];
            return File.ReadAllText($"/proc/{parent}/cmdline").Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
