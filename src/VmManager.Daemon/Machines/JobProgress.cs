using System.Text;

namespace VmManager.Daemon.Machines;

/// <summary>
/// Collects a running job's output and current step; writes them to the job row at most once a
/// second (and at each step) so the UI can follow a create that takes minutes.
/// </summary>
public sealed class JobProgress(Job job, Machine machine, MachineStore store, MachineEvents events, TimeProvider time)
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private readonly StringBuilder _pending = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _lastFlush = time.GetUtcNow();
    private string? _step;

    public string Output { get; private set; } = "";

    public void Step(string step)
    {
        lock (_lock)
        {
            _step = step;
            _pending.Append("== ").AppendLine(step);
            FlushLocked();
        }
        events.Publish(new MachineChanged(machine.Id, machine.Owner, store.Find(machine.Id)?.State ?? machine.State, step, job.Id));
    }

    /// <summary>One line of a command's output. Vagrant's "==> default: …" lines double as steps.</summary>
    public void Line(string line)
    {
        const string vagrantStep = "==> default: ";
        if (line.StartsWith(vagrantStep, StringComparison.Ordinal))
        {
            Step(line[vagrantStep.Length..].Trim());
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

    public void Flush()
    {
        lock (_lock)
        {
            FlushLocked();
        }
    }

    private void FlushLocked()
    {
        var text = _pending.ToString();
        _pending.Clear();
        Output += text;
        store.Progress(job.Id, _step, text);
        _lastFlush = time.GetUtcNow();
    }
}
