using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VmManager.Daemon.Tests.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>/readyz is anonymous: its checks (an LDAP bind, an SMTP connection) are shared and its details are for admins and the host.</summary>
public sealed class HealthReadinessTests
{
    private const string RemotePeer = "203.0.113.9";

    [Fact]
    public async Task Readyz_CallsWithinTheCacheWindow_RunTheChecksOnce()
    {
        var clock = new ManualClock();
        using var app = new AccountsApp(clock: clock);
        var counted = new CountingCheck();
        using var factory = app.App.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddHealthChecks().AddCheck("counted", counted, tags: ["ready"])));
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        // Concurrent callers share the run under way; a caller a moment later gets its report.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.GetAsync("/readyz")));
        clock.Advance(TimeSpan.FromSeconds(4));
        await client.GetAsync("/readyz");
        Assert.Equal(1, counted.Runs);

        clock.Advance(TimeSpan.FromSeconds(2));
        await client.GetAsync("/readyz");
        Assert.Equal(2, counted.Runs);
    }

    [Fact]
    public async Task Readyz_RemoteAnonymousOrStudent_GetsTheOverallStatusOnly()
    {
        using var app = new AccountsApp();
        var student = await app.LoggedInAsync("etudiant", "Etudiant-Demo1", RemotePeer);

        foreach (var client in new[] { app.Client(RemotePeer), student })
        {
            var body = await (await client.GetAsync("/readyz")).JsonAsync();
            Assert.True(body.TryGetProperty("status", out _));
            Assert.False(body.TryGetProperty("checks", out _));
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync("/api/admin/health")).StatusCode);
    }

    [Fact]
    public async Task Readyz_LoopbackOrRemoteAdmin_GetsEachCheck()
    {
        using var app = new AccountsApp();
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1", RemotePeer);

        foreach (var response in new[] { await app.Client().GetAsync("/readyz"), await admin.GetAsync("/readyz"), await admin.GetAsync("/api/admin/health") })
        {
            var checks = (await response.JsonAsync()).GetProperty("checks");
            Assert.True(checks.TryGetProperty("database", out _));
        }
    }

    private sealed class CountingCheck : IHealthCheck
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            // Long enough for the concurrent callers to arrive while it runs.
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }
}
