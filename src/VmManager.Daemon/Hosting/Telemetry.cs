using OpenTelemetry.Metrics;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// The daemon's one meter, "VmManager", exported by OpenTelemetry at /metrics (dotnet-counters sees it too).
/// Each feature creates its instruments on it in its own class, registered with <see cref="AddInstruments{T}"/>.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "VmManager";

    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MeterName)
            // Each scrape reads the values of that moment, as a test or an admin expects right after an event.
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>
    /// Registers a feature's instruments, created with the meter provider at host start, before the
    /// first request: a gauge that appeared only later (a service resolved late) would miss scrapes.
    /// </summary>
    public static IServiceCollection AddInstruments<T>(this IServiceCollection services) where T : class
    {
        services.AddSingleton<T>();
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInstrumentation(provider => provider.GetRequiredService<T>()));
        return services;
    }
}
