using System.Text;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>
/// Collects a running job's output and current step; writes them to the job row at most once a
/// second (and at each step) so the UI can follow a create that takes minutes. The row's step is a
/// code (<see cref="JobSteps"/>) the UI translates; the output keeps every line, with the VM's folder
/// written "." so no server path reaches a page. When vagrant says the domain started,
/// <paramref name="domainStarted"/> runs (the worker reads its VNC port) and one more event follows,
/// so pages learn the console is there while the create goes on. A write the database refuses
/// (busy, disk full) keeps the text for the next flush, up to what the job row would keep anyway.
/// </summary>
public sealed class JobProgress(Job job, Machine machine, MachineStore store, MachineEvents events, TimeProvider time, Func<Task> domainStarted)
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private readonly StringBuilder _pending = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _lastFlush = time.GetUtcNow();
    private string? _step;
    private string? _code;
    private int _domainStarted;

    /// <summary>A step of ours: <paramref name="code"/> for the page, <paramref name="description"/> for the log (and the event).</summary>
    public void Step(string code, string description)
    {
        lock (_lock)
        {
            _step = description;
            _code = code;
            _pending.Append("== ").AppendLine(description);
            FlushLocked();
        }
        Publish(description);
    }

    /// <summary>One line of a command's output. Vagrant's progress lines may open the next step of a create.</summary>
    public void Line(string line)
    {
        line = line.Replace(machine.Folder, ".", StringComparison.Ordinal);
        if (Vagrant.StepOf(line) is { } step)
        {
            VagrantStep(step);
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

    private void VagrantStep(string step)
    {
        lock (_lock)
        {
            _step = step;
            _pending.Append("== ").AppendLine(step);
            if (JobSteps.OfVagrant(step) is { } code && JobSteps.IsAfter(code, _code))
            {
                _code = code;
                FlushLocked();
            }
            else if (time.GetUtcNow() - _lastFlush >= FlushInterval)
            {
                FlushLocked();
            }
        }
        Publish(step);
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
            store.Progress(job.Id, _code, _pending.ToString());
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
