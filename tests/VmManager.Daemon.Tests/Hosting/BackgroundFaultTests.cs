using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>
/// A fault that persists in a background loop must not end the daemon: before, an exception escaping a loop
/// stopped the host and the process exited 0, which systemd's Restart=on-failure leaves dead.
/// </summary>
public sealed class BackgroundFaultTests
{
    private static readonly string[] Loops = ["reconciler", "vm-state-monitor", "job-worker", "mail-sender", "lease-warnings"];

    [Fact]
    public async Task BackgroundLoops_PersistentFaultInEach_DaemonKeepsAnsweringAndReadyzNamesThem()
    {
        using var data = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(data.Path, "student_vms"));
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Enabled"] = "true",
            ["Mail:Host"] = "127.0.0.1",
            ["Mail:Port"] = "9",
            ["Mail:Security"] = "None",
            ["Requests:LeaseWarningScanSeconds"] = "1",
        };
        // The loops that ask libvirt or the VM folders meet a fault the old catch filters let through.
        using var factory = new VmManagerFactory(settings, services => services.AddSingleton<ICommandRunner>(new DeniedRunner()), data);
        var client = factory.CreateClient();
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        // The mail loops meet a SQLite error at every pass.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(data.Path, "vm-manager.db")};Pooling=false"))
        {
            connection.Open();
            using var hide = connection.CreateCommand();
            hide.CommandText = "ALTER TABLE mail_outbox RENAME TO mail_outbox_hidden; ALTER TABLE lease_warnings RENAME TO lease_warnings_hidden;";
            hide.ExecuteNonQuery();
        }
        factory.Services.GetRequiredService<MailOutbox>().Wake();

        var description = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !Loops.All(description.Contains) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            var readiness = await (await client.GetAsync("/readyz")).JsonAsync();
            description = readiness.GetProperty("checks").GetProperty("background").GetProperty("description").GetString() ?? "";
        }

        Assert.All(Loops, loop => Assert.Contains(loop, description));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "a background fault stopped the host");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task ExitCode_BackgroundServiceDiedAndStoppedTheHost_IsNonZero()
    {
        using var factory = new VmManagerFactory(services: services => services.AddHostedService<DyingService>());
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        var backgroundServices = HostingExtensions.BackgroundServices(factory.Services);

        for (var deadline = DateTime.UtcNow.AddSeconds(30); !lifetime.ApplicationStopped.IsCancellationRequested && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
        }

        Assert.True(lifetime.ApplicationStopped.IsCancellationRequested);
        Assert.Equal(1, HostingExtensions.ExitCode(backgroundServices));
    }

    [Fact]
    public void ExitCode_EveryBackgroundServiceRan_IsZero()
    {
        using var factory = new VmManagerFactory();

        Assert.Equal(0, HostingExtensions.ExitCode(HostingExtensions.BackgroundServices(factory.Services)));
    }

    /// <summary>A host where the daemon may not read what it needs: every command fails unexpectedly.</summary>
    private sealed class DeniedRunner : ICommandRunner
    {
        public Task<CommandResult> RunAsync(CommandLine command, Action<string>? onLine = null, CancellationToken cancellationToken = default) =>
            throw new UnauthorizedAccessException($"injected: permission denied running {command.FileName}");

        public IReadOnlyList<int> KillStrays(string folder) => throw new UnauthorizedAccessException($"injected: permission denied reading {folder}");
    }

    private sealed class DyingService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("injected: a fault no loop expected");
        }
    }
}
