using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hosting;

public static class HostingExtensions
{
    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // A missing registration fails at start, not at the first request that needs it.
        builder.Host.UseDefaultServiceProvider(provider => provider.ValidateOnBuild = provider.ValidateScopes = true);
        var notifier = new SystemdNotifier();
        services.AddSingleton(notifier);
        services.AddSingleton(TimeProvider.System);
        // Under TimeoutStopSec=90: running jobs get 60 s to finish (JobWorker), consoles close, then we exit.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(75));
        services.AddHostedService<SystemdLifetimeNotifications>();
        services.AddHostedService<SystemdWatchdog>();
        // Request logs at Information drown the journal; the config's Logging section can lower this.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // "Hosting failed to start" repeats, with a stack trace, what Program says in one line (a port in use).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        if (IsSystemdService(notifier))
        {
            // journald reads the <N> prefixes as priorities; its own timestamps make ours redundant.
            builder.Logging.ClearProviders().AddSystemdConsole(console => console.TimestampFormat = null);
        }

        services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.WebHost.UseUrls(builder.Configuration[$"{ServerOptions.Section}:{nameof(ServerOptions.Url)}"] ?? new ServerOptions().Url);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ServerOptions>>((forwarded, server) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in server.Value.EffectiveKnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        services.AddProblemDetails();
        services.AddApiDocument();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Bad JSON throws in every environment so the handler above turns it into problem details.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);

        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddTelemetry();
        services.AddSingleton<BackgroundFaults>();
        services.AddHealthChecks().AddCheck<BackgroundFaultsHealthCheck>("background", tags: ["ready"]);
        services.AddSingleton<ReadinessCache>();
        return builder;
    }

    /// <summary>Taken before the run: RunAsync disposes the host's services when it returns.</summary>
    public static IReadOnlyList<BackgroundService> BackgroundServices(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();

    /// <summary>
    /// After the host stopped: non-zero when a background service died and so stopped it, because systemd's
    /// Restart=on-failure leaves a daemon that exits 0 dead.
    /// </summary>
    public static int ExitCode(IEnumerable<BackgroundService> backgroundServices) =>
        backgroundServices.Any(service => service.ExecuteTask is { IsFaulted: true }) ? 1 : 0;

    public static WebApplication UseHosting(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>As Hosting.Systemd: started by systemd when it handed us a notify socket or journal stream.</summary>
    private static bool IsSystemdService(SystemdNotifier notifier) =>
        notifier.IsEnabled || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
}
