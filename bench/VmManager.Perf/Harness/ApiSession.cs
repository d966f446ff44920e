using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Machines;

namespace VmManager.Perf.Harness;

public sealed record Timed<T>(T Value, double Milliseconds, HttpStatusCode Status);

/// <summary>One browser: its session cookie and antiforgery token, and the calls the UI makes.</summary>
public sealed class ApiSession : IDisposable
{
    public static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly HttpClient _client;

    public ApiSession(Uri daemon)
    {
        // One connection per session, kept alive, as a browser tab would.
        _client = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer(), MaxConnectionsPerServer = 4 })
        {
            BaseAddress = daemon,
            Timeout = TimeSpan.FromMinutes(45), // the event stream stays open for a whole storm
        };
    }

    public string UserName { get; private set; } = "";

    public HttpClient Client => _client;

    /// <summary>POST /api/session then the antiforgery token, as the login page does; returns the login call's time.</summary>
    public async Task<double> LoginAsync(string userName, string password)
    {
        var clock = Stopwatch.StartNew();
        var response = await _client.PostAsJsonAsync("/api/session", new { userName, password });
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"login of {userName}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var token = (await _client.GetFromJsonAsync<JsonElement>("/api/session/antiforgery")).GetProperty("token").GetString();
        _client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        _client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
        UserName = userName;
        return elapsed;
    }

    public async Task<Timed<Accepted?>> CreateAsync(string name, string templateId = "tiny")
    {
        var clock = Stopwatch.StartNew();
        var response = await _client.PostAsJsonAsync("/api/vms", new { name, templateId });
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        return new Timed<Accepted?>(response.StatusCode == HttpStatusCode.Accepted ? JsonSerializer.Deserialize<Accepted>(body, Json) : null, elapsed, response.StatusCode);
    }

    public async Task<JobView> DeleteAsync(string machineId)
    {
        var response = await _client.DeleteAsync($"/api/vms/{machineId}");
        return response.StatusCode == HttpStatusCode.Accepted
            ? (await response.Content.ReadFromJsonAsync<JobView>(Json))!
            : throw new InvalidOperationException($"delete {machineId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<JobView> ActAsync(string machineId, string action)
    {
        var response = await _client.PostAsync($"/api/vms/{machineId}/{action}", null);
        return response.StatusCode == HttpStatusCode.Accepted
            ? (await response.Content.ReadFromJsonAsync<JobView>(Json))!
            : throw new InvalidOperationException($"{action} {machineId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<JobView> JobAsync(long jobId) => (await _client.GetFromJsonAsync<JobView>($"/api/jobs/{jobId}", Json))!;

    public async Task<JobView> WaitForJobAsync(long jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await JobAsync(jobId);
            if (job.State is JobStates.Succeeded or JobStates.Failed)
            {
                return job;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {jobId} ({job.Kind}) still {job.State} at step '{job.Step}'");
            }
            await Task.Delay(250);
        }
    }

    public async Task<MachineView?> MachineAsync(string machineId)
    {
        var response = await _client.GetAsync($"/api/vms/{machineId}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<MachineView>(Json);
    }

    public async Task<string> LogAsync(string machineId) => await _client.GetStringAsync($"/api/vms/{machineId}/log");

    /// <summary>GET /api/vms (scope=all for teachers and admins), body read to the end; the time covers the whole answer.</summary>
    public async Task<Timed<int>> ListAsync(bool all)
    {
        var clock = Stopwatch.StartNew();
        using var response = await _client.GetAsync(all ? "/api/vms?scope=all" : "/api/vms", HttpCompletionOption.ResponseContentRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        return new Timed<int>(bytes.Length, elapsed, response.StatusCode);
    }

    public async Task<List<MachineView>> MachinesAsync(bool all) =>
        (await _client.GetFromJsonAsync<List<MachineView>>(all ? "/api/vms?scope=all" : "/api/vms", Json))!;

    public void Dispose() => _client.Dispose();
}
