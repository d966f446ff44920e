using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Storage;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

// OpenTelemetry's meter provider listens to every meter named "VmManager" in the process: another test's
// daemon running beside these would add its series to their scrapes.
[Collection(MetricsCollection.Name)]
public sealed partial class MetricsTests
{
    [Fact]
    public async Task Metrics_EveryInstrumentWithSeries_PassesPromtoolCheck()
    {
        // With libvirt up, the reconciler would mark the inserted running VMs (which have no domain) gone.
        using var factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VirshPath"] = "/bin/false",
        });
        var jobs = factory.Services.GetRequiredService<MachineMetrics>();
        jobs.JobFinished("create", "succeeded", TimeSpan.FromSeconds(17.5));
        jobs.JobFinished("create", "failed", TimeSpan.FromSeconds(900));
        jobs.JobFinished("stop", "succeeded", TimeSpan.FromSeconds(0.2));
        factory.Services.GetRequiredService<AccountMetrics>().LoginFailed();
        // A label value with every character the format must escape.
        InsertMachines(factory, ("running", 3), ("stopped", 1), ("odd \"state\" \\ with\nnewline", 1));
        OpenConsoles(factory, 2);
        // Nothing queued: the mail backlog is 0.

        var (status, body, contentType) = await ScrapeAsync(factory, IPAddress.Loopback);

        Assert.Equal(200, status);
        Assert.Equal(MediaTypeHeaderValue.Parse("text/plain; version=0.0.4; charset=utf-8"), MediaTypeHeaderValue.Parse(contentType!));
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
        var metrics = factory.Services.GetRequiredService<MachineMetrics>();
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
        // The VM gauge's query fails (as on a locked database); the console gauge does not.
        using (var connection = factory.Services.GetRequiredService<Database>().Open())
        {
            connection.Execute("ALTER TABLE machines RENAME TO machines_away");
        }
        OpenConsoles(factory, 4);

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
        // A gauge with a value from the start (a counter shows once something counted).
        Assert.Contains("# TYPE vmmanager_mail_backlog gauge", await direct.Content.ReadAsStringAsync());
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

    /// <summary>
    /// Samples by their exact "name{labels}" text, without the otel_scope_name label every series carries
    /// and without the timestamp; promtool checks the syntax itself.
    /// </summary>
    private static Dictionary<string, double> Parse(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => (End: line.Contains('{') ? line.LastIndexOf('}') + 1 : line.IndexOf(' '), Line: line))
            .Select(sample => (Series: ScopeLabel().Replace(sample.Line[..sample.End], "").Replace(",}", "}").Replace("{}", ""),
                Value: sample.Line[sample.End..].Trim().Split(' ')[0]))
            .ToDictionary(sample => sample.Series, sample => double.Parse(sample.Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("otel_scope_name=\"[^\"]*\",?")]
    private static partial Regex ScopeLabel();

    private static void InsertMachines(VmManagerFactory factory, params (string State, int Count)[] states)
    {
        using var connection = factory.Services.GetRequiredService<Database>().Open();
        foreach (var (state, count) in states)
        {
            for (var i = 0; i < count; i++)
            {
                var id = Guid.NewGuid().ToString("N");
                connection.Execute(
                    """
                    INSERT INTO machines (id, owner, name, template_id, cpus, memory_mib, disk_gib, state, domain_name, folder,
                        login_user, password_protected, created_at, expires_at)
                    VALUES (@id, 'etudiant', @id, 'tiny', 1, 256, 1, @state, @id, @id, 'vagrant', 'x', '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z')
                    """, new { id, state });
            }
        }
    }

    private static void OpenConsoles(VmManagerFactory factory, int count)
    {
        var sessions = factory.Services.GetRequiredService<ConsoleSessions>();
        for (var i = 0; i < count; i++)
        {
            Assert.NotNull(sessions.TryOpen($"user{i}", $"vm{i}", 5900 + i, viewOnly: false).Session);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
