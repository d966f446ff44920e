using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Machines;

/// <summary>VMs by state (read from the database at each scrape) and finished jobs, on the daemon's meter.</summary>
public sealed class MachineMetrics
{
    // Job durations run from a second (stop) to the create timeout (15 min by default).
    private static readonly IReadOnlyList<double> JobDurationBuckets = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800];

    private readonly Counter<long> _jobs;
    private readonly Histogram<double> _jobDuration;

    public MachineMetrics(IMeterFactory meters, MachineStore store, ILogger<MachineMetrics> logger)
    {
        var meter = meters.Create(Telemetry.MeterName);
        meter.CreateObservableGauge("vmmanager.vms", () =>
            {
                try
                {
                    return store.CountByState().Select(vms => new Measurement<long>(vms.Count, new KeyValuePair<string, object?>("state", vms.State))).ToList();
                }
                catch (SqliteException ex)
                {
                    // A locked database must not cost the whole scrape (OpenTelemetry would answer 500).
                    logger.LogWarning("The VM gauge is missing from this scrape: {Error}", ex.Message);
                    return [];
                }
            },
            "{vm}", "VMs known to the daemon, by state.");
        _jobs = meter.CreateCounter<long>("vmmanager.jobs", "{job}", "Finished VM jobs, by kind and result.");
        _jobDuration = meter.CreateHistogram("vmmanager.job.duration", "s", "How long VM jobs ran, by kind.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JobDurationBuckets });
    }

    public void JobFinished(string kind, string result, TimeSpan duration)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        _jobs.Add(1, kindTag, new KeyValuePair<string, object?>("result", result));
        _jobDuration.Record(duration.TotalSeconds, kindTag);
    }
}
