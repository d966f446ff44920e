using System.Text;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>
/// Collects a running job's output and current step; writes them to the job row at most once a
/// second (and at each step) so the UI can follow a create that takes minutes. When vagrant says the
/// domain started, <paramref name="domainStarted"/> runs (the worker reads its VNC port) and one more
/// event follows, so pages learn the console is there while the create goes on. A write the database refuses
/// (busy, disk full) keeps the text for the next flush, up to what the job row would keep anyway.
/// </summary>
public sealed class JobProgress(Job job, Machine machine, MachineStore store, MachineEvents events, TimeProvider time, Func<Task> domainStarted)
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private readonly StringBuilder _pending = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _lastFlush = time.GetUtcNow();
    private string? _step;
    private int _domainStarted;

    public void Step(string step)
    {
        lock (_lock)
        {
            _step = step;
            _pending.Append("== ").AppendLine(step);
            FlushLocked();
        }
        Publish(step);
    }

    /// <summary>One line of a command's output. Vagrant's progress lines double as steps.</summary>
    public void Line(string line)
    {
        if (Vagrant.StepOf(line) is { } step)
        {
            Step(step);
            if (Vagrant.MeansDomainStarted(step) && Interlocked.Exchange(ref _domainStarted, 1) == 0)
            {
                _ = AnnounceScreenAsync();
            }
            return;
        }
        lock (_lock)
        {
            _pending.AppendLine(line);
            if (time.GetUtcNow() - _lastFlush >= FlushInterval)
            {
                FlushLocked();
            }
        }
    }

    /// <summary>Tasks that finish after the job are harmless: the event only makes pages fetch the VM again.</summary>
    private async Task AnnounceScreenAsync()
    {
        await domainStarted();
        Publish(_step);
    }

    private void Publish(string? step) =>
        events.Publish(new MachineChanged(machine.Id, machine.Owner, store.Find(machine.Id)?.State ?? machine.State, step, job.Id));

    public void Flush()
    {
        lock (_lock)
        {
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        _lastFlush = time.GetUtcNow();
        try
        {
            store.Progress(job.Id, _step, _pending.ToString());
            _pending.Clear();
        }
        catch (Exception ex) when (ex is SqliteException or IOException)
        {
            // Progress is for watching: the job goes on, and its end is written (and retried) by the worker.
            if (_pending.Length > MachineStore.MaxJobOutput)
            {
                _pending.Remove(0, _pending.Length - MachineStore.MaxJobOutput);
            }
        }
    }
}
