using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Tests.Support;

/// <summary>Calls /api/vms as a browser would and waits for jobs to end.</summary>
public static class MachineApi
{
    public static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public static async Task<Accepted> CreateAsync(HttpClient client, string name, int lifetimeHours = 2)
    {
        var response = await client.PostAsJsonAsync("/api/vms", new { name, templateId = "tiny", lifetimeHours });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"create {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Accepted>(Json))!;
    }

    public static async Task<JobView> ActAsync(HttpClient client, string machineId, string action)
    {
        var response = action == "delete"
            ? await client.DeleteAsync($"/api/vms/{machineId}")
            : await client.PostAsync($"/api/vms/{machineId}/{action}", null);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JobView>(Json))!;
    }

    public static async Task<JobView> WaitForJobAsync(HttpClient client, long jobId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var job = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{jobId}", Json))!;
            if (job.State is JobStates.Succeeded or JobStates.Failed)
            {
                return job;
            }
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} ({job.Kind}) still {job.State} at step '{job.Step}'");
            await Task.Delay(250);
        }
    }

    public static async Task<MachineView?> GetAsync(HttpClient client, string machineId)
    {
        var response = await client.GetAsync($"/api/vms/{machineId}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<MachineView>(Json);
    }

    public static async Task<MachineView> WaitForStateAsync(HttpClient client, string machineId, string state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(1));
        while (true)
        {
            var machine = await GetAsync(client, machineId);
            if (machine?.State == state)
            {
                return machine;
            }
            Assert.True(DateTime.UtcNow < deadline, $"VM {machineId} is {machine?.State ?? "missing"}, expected {state}");
            await Task.Delay(250);
        }
    }
}
