using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_EveryInstrumentWithSeries_PassesPromtoolCheck()
    {
        using var factory = new VmManagerFactory();
        var metrics = factory.Services.GetRequiredService<VmManagerMetrics>();
        metrics.JobFinished("create", "succeeded", TimeSpan.FromSeconds(17.5));
        metrics.JobFinished("create", "failed", TimeSpan.FromSeconds(900));
        metrics.JobFinished("stop", "succeeded", TimeSpan.FromSeconds(0.2));
        metrics.LoginFailed();
        // A label value with every character the format must escape.
        metrics.ObserveVms(() => [("running", 3), ("stopped", 1), ("odd \"state\" \\ with\nnewline", 1)]);
        metrics.ObserveConsoleSessions(() => 2);
        metrics.ObserveMailBacklog(() => 0);

        var (status, body, contentType) = await ScrapeAsync(factory, IPAddress.Loopback);

        Assert.Equal(200, status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        var promtool = await ExternalCommand.RunAsync("promtool", ["check", "metrics"], body);
        Assert.True(promtool.ExitCode == 0 && promtool.Output + promtool.Error == "", $"promtool: {promtool.Output}{promtool.Error}\n{body}");
        var samples = Parse(body);
        Assert.Equal(3, samples["vmmanager_vms{state=\"running\"}"]);
        Assert.Equal(1, samples["vmmanager_vms{state=\"odd \\\"state\\\" \\\\ with\\nnewline\"}"]);
        Assert.Equal(2, samples["vmmanager_console_sessions"]);
        Assert.Equal(0, samples["vmmanager_mail_backlog"]);
        Assert.Equal(1, samples["vmmanager_login_failures_total"]);
    }

    [Fact]
    public async Task Metrics_CounterAndHistogram_MoveWhenRecorded()
    {
        using var factory = new VmManagerFactory();
        var metrics = factory.Services.GetRequiredService<VmManagerMetrics>();
        const string Created = "vmmanager_jobs_total{kind=\"create\",result=\"succeeded\"}";

        var before = Parse((await ScrapeAsync(factory, IPAddress.Loopback)).Body);
        metrics.JobFinished("create", "succeeded", TimeSpan.FromSeconds(12));
        var once = Parse((await ScrapeAsync(factory, IPAddress.Loopback)).Body);
        metrics.JobFinished("create", "succeeded", TimeSpan.FromSeconds(45));
        var twice = Parse((await ScrapeAsync(factory, IPAddress.Loopback)).Body);

        Assert.False(before.ContainsKey(Created));
        Assert.Equal(1, once[Created]);
        Assert.Equal(2, twice[Created]);
        Assert.Equal(2, twice["vmmanager_job_duration_seconds_count{kind=\"create\"}"]);
        Assert.Equal(57, twice["vmmanager_job_duration_seconds_sum{kind=\"create\"}"]);
        // Cumulative buckets: 12 s falls in le=20, 45 s in le=60.
        Assert.Equal(0, twice["vmmanager_job_duration_seconds_bucket{kind=\"create\",le=\"10\"}"]);
        Assert.Equal(1, twice["vmmanager_job_duration_seconds_bucket{kind=\"create\",le=\"20\"}"]);
        Assert.Equal(2, twice["vmmanager_job_duration_seconds_bucket{kind=\"create\",le=\"60\"}"]);
        Assert.Equal(2, twice["vmmanager_job_duration_seconds_bucket{kind=\"create\",le=\"+Inf\"}"]);
    }

    [Fact]
    public async Task Metrics_RefusedLogin_IsCounted()
    {
        using var factory = new VmManagerFactory();

        var response = await factory.CreateClient().PostAsJsonAsync("/api/session", new { userName = "etudiant", password = "wrong" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, Parse((await ScrapeAsync(factory, IPAddress.Loopback)).Body)["vmmanager_login_failures_total"]);
    }

    [Fact]
    public async Task Metrics_FailingCallback_OnlyItsSeriesAreMissing()
    {
        using var factory = new VmManagerFactory();
        var metrics = factory.Services.GetRequiredService<VmManagerMetrics>();
        metrics.ObserveVms(() => throw new InvalidOperationException("database is locked"));
        metrics.ObserveConsoleSessions(() => 4);

        var (status, body, _) = await ScrapeAsync(factory, IPAddress.Loopback);

        Assert.Equal(200, status);
        Assert.Equal(4, Parse(body)["vmmanager_console_sessions"]);
        Assert.DoesNotContain(Parse(body).Keys, key => key.StartsWith("vmmanager_vms", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "203.0.113.7", 404)]
    [InlineData(null, "::ffff:127.0.0.1", 200)]
    [InlineData("203.0.113.0/24", "203.0.113.7", 200)]
    [InlineData("203.0.113.0/24", "127.0.0.1", 404)]
    [InlineData("2001:db8::5", "2001:db8::5", 200)]
    public async Task Metrics_ClientAddress_OnlyAllowedOnesSeeIt(string? allowed, string client, int expected)
    {
        using var factory = new VmManagerFactory(allowed is null ? null : new Dictionary<string, string?> { ["Metrics:AllowedAddresses:0"] = allowed });

        var (status, body, contentType) = await ScrapeAsync(factory, IPAddress.Parse(client));

        Assert.Equal(expected, status);
        if (expected == 404)
        {
            Assert.Equal("application/problem+json", contentType);
            Assert.DoesNotContain("vmmanager", body);
        }
    }

    [Fact]
    public async Task Metrics_RealDaemon_LoopbackReadsIt_AForwardedOutsideClientDoesNot()
    {
        using var data = new TempDirectory();
        using var daemon = DaemonProcess.Start(SystemdNotifyTests.Arguments(data));
        using var client = new HttpClient { BaseAddress = new Uri(await daemon.WaitForListeningAsync()) };

        var direct = await client.GetAsync("/metrics");
        using var forwarded = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        // nginx on loopback is a known proxy: the address it forwards is the one checked.
        forwarded.Headers.Add("X-Forwarded-For", "198.51.100.4");
        var outside = await client.SendAsync(forwarded);

        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Contains("# TYPE vmmanager_jobs_total counter", await direct.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Metrics_VmCreatedAndItsJobFailed_GaugeAndJobCounterMove()
    {
        using var tools = new TempDirectory();
        using var factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VagrantPath"] = Machines.MachineFaultTests.FakeVagrant(tools, "exit 1"),
        });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var before = Parse((await ScrapeAsync(factory, IPAddress.Loopback)).Body);

        var accepted = await MachineApi.CreateAsync(client, "metered");
        await MachineApi.WaitForJobAsync(client, accepted.Job.Id);
        var after = Parse((await ScrapeAsync(factory, IPAddress.Loopback)).Body);

        Assert.Equal(1, after.GetValueOrDefault("vmmanager_vms{state=\"failed\"}"));
        Assert.Equal(before.GetValueOrDefault("vmmanager_jobs_total{kind=\"create\",result=\"failed\"}") + 1,
            after["vmmanager_jobs_total{kind=\"create\",result=\"failed\"}"]);
    }

    private static async Task<(int Status, string Body, string? ContentType)> ScrapeAsync(VmManagerFactory factory, IPAddress client)
    {
        var context = await factory.Server.SendAsync(request =>
        {
            request.Request.Method = "GET";
            request.Request.Path = "/metrics";
            request.Connection.RemoteIpAddress = client;
        });
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync(), context.Response.ContentType);
    }

    /// <summary>Samples by their exact "name{labels}" text; promtool checks the syntax itself.</summary>
    private static Dictionary<string, double> Parse(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => (Series: line[..line.LastIndexOf(' ')], Value: line[(line.LastIndexOf(' ') + 1)..]))
            .ToDictionary(sample => sample.Series, sample => double.Parse(sample.Value, CultureInfo.InvariantCulture));
}
