using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VmManager.Daemon.Hosting;

/// <summary>The background loops failing right now (reconciler, job worker, mail sender…), for /readyz.</summary>
public sealed class BackgroundFaults(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Failing> _failing = new();

    public sealed record Failing(DateTimeOffset Since, int Failures, string Error);

    public IReadOnlyDictionary<string, Failing> Current => _failing;

    /// <summary>The streak of one loop; <paramref name="part"/> is the name /readyz shows.</summary>
    public FaultStreak Streak(string part, ILogger logger) => new(part, this, time, logger);

    internal void Report(string part, Failing failing) => _failing[part] = failing;

    internal void Clear(string part) => _failing.TryRemove(part, out _);
}

/// <summary>
/// One background loop's run of consecutive failures. A loop never lets a fault end the daemon (the host would
/// stop with exit code 0 and systemd would leave it dead): it logs the first failure of a streak and its end,
/// not every retry, and waits longer after each failure (doubling from 1 s up to a minute).
/// </summary>
public sealed partial class FaultStreak(string part, BackgroundFaults faults, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);
    private DateTimeOffset _since;
    private DateTimeOffset _retryAt;
    private int _failures;

    /// <summary>The wait after the last failure (zero when the last attempt worked).</summary>
    public TimeSpan Backoff { get; private set; }

    /// <summary>Whether a periodic loop should try now, or skip this tick to let the backoff run out.</summary>
    public bool IsDue => _failures == 0 || time.GetUtcNow() >= _retryAt;

    /// <summary>Records a failure; returns how long to wait before the next attempt.</summary>
    public TimeSpan Failed(Exception exception)
    {
        var now = time.GetUtcNow();
        if (_failures++ == 0)
        {
            _since = now;
            LogStreakStarted(logger, part, $"{exception.GetType().Name}: {exception.Message}");
            LogStreakDetail(logger, part, exception);
        }
        Backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(_failures - 1, 16)));
        _retryAt = now + Backoff;
        faults.Report(part, new BackgroundFaults.Failing(_since, _failures, exception.Message));
        return Backoff;
    }

    public void Succeeded()
    {
        if (_failures == 0)
        {
            return;
        }
        LogStreakEnded(logger, part, _failures, (time.GetUtcNow() - _since).TotalSeconds);
        _failures = 0;
        Backoff = TimeSpan.Zero;
        faults.Clear(part);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background task {Part} failed and retries with backoff (logged again when it recovers): {Error}")]
    private static partial void LogStreakStarted(ILogger logger, string part, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Background task {Part} failed")]
    private static partial void LogStreakDetail(ILogger logger, string part, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Background task {Part} works again after {Failures} failed attempt(s) over {Seconds:0} s")]
    private static partial void LogStreakEnded(ILogger logger, string part, int failures, double seconds);
}

/// <summary>/readyz names each failing background loop and its last error.</summary>
public sealed class BackgroundFaultsHealthCheck(BackgroundFaults faults) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failing = faults.Current.OrderBy(entry => entry.Key, StringComparer.Ordinal).ToList();
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy("every background task runs")
            : HealthCheckResult.Unhealthy(string.Join("; ", failing.Select(entry =>
                $"{entry.Key} failing since {entry.Value.Since:u} ({entry.Value.Failures} attempt(s)): {entry.Value.Error}"))));
    }
}
