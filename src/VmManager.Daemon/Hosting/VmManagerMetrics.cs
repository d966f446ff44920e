using System.Diagnostics.Metrics;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// The daemon's instruments, on one <see cref="Meter"/> named "VmManager" (/metrics renders them,
/// dotnet-counters sees them too). Features record through the methods here and register the
/// callbacks of the gauges they own; a callback not registered yet simply reports no series.
/// </summary>
public sealed class VmManagerMetrics
{
    public const string MeterName = "VmManager";

    // Job durations run from a second (stop) to the create timeout (15 min by default).
    private static readonly IReadOnlyList<double> JobDurationBuckets = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800];

    private readonly Counter<long> _jobs;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _loginFailures;
    private Func<IEnumerable<(string State, long Count)>>? _vms;
    private Func<long>? _consoleSessions;
    private Func<long>? _mailBacklog;

    public VmManagerMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        Meter.CreateObservableGauge("vmmanager.vms", ObserveVmStates, "{vm}", "VMs known to the daemon, by state.");
        _jobs = Meter.CreateCounter<long>("vmmanager.jobs", "{job}", "Finished VM jobs, by kind and result.");
        _jobDuration = Meter.CreateHistogram("vmmanager.job.duration", "s", "How long VM jobs ran, by kind.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JobDurationBuckets });
        Meter.CreateObservableGauge("vmmanager.console.sessions", () => Observe(_consoleSessions), "{session}", "Open browser console sessions.");
        _loginFailures = Meter.CreateCounter<long>("vmmanager.login.failures", "{failure}", "Refused logins (wrong user name or password).");
        Meter.CreateObservableGauge("vmmanager.mail.backlog", () => Observe(_mailBacklog), "{message}", "E-mails waiting to be sent.");
    }

    public Meter Meter { get; }

    public void JobFinished(string kind, string result, TimeSpan duration)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        _jobs.Add(1, kindTag, new KeyValuePair<string, object?>("result", result));
        _jobDuration.Record(duration.TotalSeconds, kindTag);
    }

    public void LoginFailed() => _loginFailures.Add(1);

    /// <summary>Called at each scrape, so it should read what is cheap (the database's counts, not virsh).</summary>
    public void ObserveVms(Func<IEnumerable<(string State, long Count)>> countByState) => _vms = countByState;

    public void ObserveConsoleSessions(Func<long> openSessions) => _consoleSessions = openSessions;

    public void ObserveMailBacklog(Func<long> waitingMessages) => _mailBacklog = waitingMessages;

    private IEnumerable<Measurement<long>> ObserveVmStates() =>
        _vms is { } callback
            ? callback().Select(vms => new Measurement<long>(vms.Count, new KeyValuePair<string, object?>("state", vms.State)))
            : [];

    private static IEnumerable<Measurement<long>> Observe(Func<long>? callback) =>
        callback is null ? [] : [new Measurement<long>(callback())];
}
