using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>The real binary is SIGKILLed mid-create; after a restart nothing is stuck, orphaned or half-made.</summary>
[Collection(RigCollection.Name)]
public sealed class CrashRecoveryTests(RigFixture rig)
{
    [Fact]
    public async Task Restart_AfterSigkillDuringCreates_EveryVmRunningOrCleanedAndNoJobStuck()
    {
        _ = rig.Env;
        using var data = new TempDirectory();
        var port = FreePort();
        var arguments = WriteConfig(data, port);
        var ids = new List<string>();
        var naming = new DomainNaming(Microsoft.Extensions.Options.Options.Create(new MachinesOptions { NamePrefix = VmManagerFactory.NamePrefixFor(data.Path) }));
        using (var daemon = DaemonProcess.Start(arguments))
        {
            using var client = await LoginAsync(port);
            foreach (var name in new[] { "crash-a", "crash-b" })
            {
                var response = await client.PostAsJsonAsync("/api/vms", new { name, templateId = "tiny" });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("machine").GetProperty("id").GetString()!);
            }
            await Task.Delay(TimeSpan.FromSeconds(6)); // vagrant up is under way for both
            daemon.Kill();
        }

        using (var restarted = DaemonProcess.Start(arguments))
        {
            using var client = await LoginAsync(port);
            var deadline = DateTime.UtcNow.AddMinutes(4);
            List<MachineView> machines;
            do
            {
                Assert.True(DateTime.UtcNow < deadline, "jobs still active after the restart:\n" + restarted.Output);
                await Task.Delay(500);
                machines = (await client.GetFromJsonAsync<List<MachineView>>("/api/vms", MachineApi.Json))!;
            }
            while (machines.Any(machine => machine.Job is not null));

            foreach (var id in ids)
            {
                var machine = machines.SingleOrDefault(m => m.Id == id);
                var domain = await RigHost.Virsh.StateAsync(naming.DomainNameFor(id));
                if (machine?.State == MachineStates.Running)
                {
                    Assert.Equal(DomainState.Running, domain);
                    var delete = await client.DeleteAsync($"/api/vms/{id}");
                    var job = await delete.Content.ReadFromJsonAsync<JobView>(MachineApi.Json);
                    Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, job!.Id)).State);
                }
                else
                {
                    Assert.True(machine is null || machine.State == MachineStates.Failed, $"VM {id} is {machine?.State}");
                }
                await RigHost.AssertNothingLeftAsync(naming, id, Path.Combine(data.Path, "student_vms", "etudiant", id));
            }
            restarted.Terminate();
            Assert.Equal(0, await restarted.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }
    }

    internal static string[] WriteConfig(TempDirectory data, int port)
    {
        // The demo defaults (tiny template, rig pool, demo accounts) with the data in the test's folder.
        var config = data.File("vm-manager.toml");
        var demo = File.ReadAllText(Path.Combine(Repository.Root, "src", "VmManager.Daemon", "Hosting", "demo.toml"))
            .Replace("Url = \"http://127.0.0.1:5000\"", $"Url = \"http://127.0.0.1:{port}\"", StringComparison.Ordinal)
            .Replace("DataDirectory = \".data\"", $"DataDirectory = \"{data.Path}\"", StringComparison.Ordinal)
            .Replace("VmRoot = \"student_vms\"", $"VmRoot = \"{data.Path}/student_vms\"\nNamePrefix = \"{VmManagerFactory.NamePrefixFor(data.Path)}\"", StringComparison.Ordinal);
        File.WriteAllText(config, demo);
        return ["--config", config];
    }

    internal static async Task<HttpClient> LoginAsync(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var response = await client.PostAsJsonAsync("/api/session", new { userName = "etudiant", password = "Etudiant-Demo1" });
                if (response.IsSuccessStatusCode)
                {
                    await client.AddAntiforgeryTokenAsync();
                    return client;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(200);
        }
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
