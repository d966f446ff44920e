using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>
/// Runs queued jobs, oldest first, at most MaxConcurrentOperations at once (the database already
/// guarantees one per VM). At start it requeues what a crash interrupted; at shutdown it gives
/// running jobs a grace period, then leaves the unfinished ones 'running' for the next start.
/// </summary>
public sealed class JobWorker(
    MachineStore store,
    MachineOperations operations,
    MachineRuntimeMonitor monitor,
    ICommandRunner runner,
    MachineMetrics metrics,
    MachineEvents events,
    JobSignal signal,
    IOptions<MachinesOptions> options,
    BackgroundFaults faults,
    TimeProvider time,
    ILogger<JobWorker> logger) : BackgroundService
{
    public const int MaxAttempts = 2;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly FaultStreak _streak = faults.Streak("job-worker", logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // No job may start before the interrupted ones are requeued: so a failure here is retried, not skipped.
        while (!TryRecoverInterrupted(stoppingToken))
        {
            try
            {
                await Task.Delay(_streak.Backoff, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        using var slots = new SemaphoreSlim(options.Value.MaxConcurrentOperations);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = PollInterval;
            try
            {
                StartQueued(slots);
                _streak.Succeeded();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A busy or full database: the queue is still there at the next attempt.
                wait = _streak.Failed(ex);
            }
            try
            {
                await signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await DrainAsync();
    }

    private bool TryRecoverInterrupted(CancellationToken stoppingToken)
    {
        try
        {
            if (Directory.Exists(options.Value.VmRoot))
            {
                runner.KillStrays(options.Value.VmRoot);
            }
            foreach (var job in store.RequeueInterrupted(MaxAttempts))
            {
                // Past MaxAttempts the job is failed and the reconciler cleans up after it.
                logger.LogWarning("Job {JobId} ({Kind} of VM {MachineId}) was interrupted by a restart (attempt {Attempt} of {Max})", job.Id, job.Kind, job.MachineId, job.Attempt, MaxAttempts);
            }
            _streak.Succeeded();
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            _streak.Failed(ex);
            return false;
        }
    }

    private void StartQueued(SemaphoreSlim slots)
    {
        foreach (var job in store.QueuedJobs())
        {
            if (_running.ContainsKey(job.Id) || !slots.Wait(0))
            {
                continue;
            }
            bool marked;
            try
            {
                marked = store.MarkRunning(job.Id);
            }
            catch
            {
                slots.Release();
                throw;
            }
            if (!marked)
            {
                slots.Release();
                continue;
            }
            _running[job.Id] = Task.Run(async () =>
            {
                try
                {
                    await RunAsync(job);
                }
                finally
                {
                    slots.Release();
                    _running.TryRemove(job.Id, out _);
                    signal.Notify();
                }
            }, CancellationToken.None);
        }
    }

    private async Task DrainAsync()
    {
        var running = _running.Values.ToArray();
        if (running.Length == 0)
        {
            return;
        }
        logger.LogInformation("Waiting up to {Seconds} s for {Count} running job(s)", ShutdownGrace.TotalSeconds, running.Length);
        try
        {
            await Task.WhenAll(running).WaitAsync(ShutdownGrace);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Stopping {Count} job(s) mid-way; they resume from a clean state at the next start", _running.Count);
            await _abort.CancelAsync();
            await Task.WhenAll(_running.Values);
        }
    }

    private async Task RunAsync(Job job)
    {
        Machine machine;
        try
        {
            machine = await WithDatabaseRetriesAsync(() => store.Find(job.MachineId)!);
        }
        catch (OperationCanceledException)
        {
            return; // shutting down before it began: still 'running', so the next start resumes it
        }
        var progress = new JobProgress(job, machine, store, events, time, RefreshRuntimeAsync);
        logger.LogInformation("Job {JobId}: {Kind} VM {MachineId} ({Owner}/{Name}) for {RequestedBy}", job.Id, job.Kind, machine.Id, machine.Owner, machine.Name, job.RequestedBy);
        string state;
        string? error = null;
        try
        {
            state = await operations.RunAsync(job, machine, progress, _abort.Token);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            progress.Flush();
            return; // stays 'running' in the database: the next start resumes it
        }
        catch (JobFailedException ex)
        {
            (state, error) = (ex.State, ex.Message);
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the job must end: a job left 'running' would block its VM forever.
            logger.LogError(ex, "Job {JobId} crashed", job.Id);
            (state, error) = (machine.State == MachineStates.Creating ? MachineStates.Failed : machine.State, ex.Message);
        }
        progress.Flush();
        if (state == MachineStates.Running)
        {
            // Before the state and the job's end are written: whoever sees either also sees the console.
            await RefreshRuntimeAsync();
        }
        try
        {
            // Retried until the database takes it (busy, disk full): a job left 'running' would block its VM.
            await WithDatabaseRetriesAsync(() => store.EndJob(job.Id, machine.Id, state, error));
        }
        catch (OperationCanceledException)
        {
            return; // shutting down with the end unwritten: the next start finds it 'running' and resumes it
        }
        metrics.JobFinished(job.Kind, error is null ? JobStates.Succeeded : JobStates.Failed, time.GetUtcNow() - (store.FindJob(job.Id)?.StartedAt ?? time.GetUtcNow()));
        if (error is null)
        {
            logger.LogInformation("Job {JobId}: {Kind} VM {MachineId} succeeded", job.Id, job.Kind, machine.Id);
        }
        else
        {
            logger.LogWarning("Job {JobId}: {Kind} VM {MachineId} failed: {Error}", job.Id, job.Kind, machine.Id, error);
        }
        events.Publish(new MachineChanged(machine.Id, machine.Owner, state, null, job.Id));
    }

    private Task WithDatabaseRetriesAsync(Action write) => WithDatabaseRetriesAsync(() =>
    {
        write();
        return true;
    });

    /// <summary>Until it works or the daemon stops; the failing streak shows in /readyz meanwhile.</summary>
    private async Task<T> WithDatabaseRetriesAsync<T>(Func<T> work)
    {
        var streak = faults.Streak("job-worker-bookkeeping", logger);
        while (true)
        {
            try
            {
                var result = work();
                streak.Succeeded();
                return result;
            }
            catch (Exception ex) when (ex is SqliteException or IOException)
            {
                await Task.Delay(streak.Failed(ex), time, _abort.Token);
            }
        }
    }

    /// <summary>
    /// A VM that just started (or whose domain vagrant just launched) has a VNC port the runtime cache has not
    /// seen yet; without this the API would offer its console only at the next periodic refresh (up to
    /// StateRefreshSeconds later). The refresh leaves the VM's state alone: it only changes VMs without an active job.
    /// </summary>
    private async Task RefreshRuntimeAsync()
    {
        try
        {
            await monitor.RefreshAsync(_abort.Token);
        }
        catch (Exception ex) when (ex is VirshException or CommandTimeoutException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogDebug("Runtime refresh after a job failed; the periodic one will catch up: {Error}", ex.Message);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }
}
