using System.Globalization;

namespace VmManager.Perf.Harness;

/// <summary>
/// Samples /proc once a second while a benchmark runs, to say what limited it: the whole machine's CPU,
/// the daemon, the processes it started (vagrant's Ruby, ssh, virsh), libvirtd, the QEMU guests, and
/// everything else (on this shared machine: other engineers' builds and tests).
/// </summary>
/// <remarks>
/// A root's subtree is counted as own + reaped children (cutime) + every live descendant's total, which
/// stays exact when short-lived children (virsh, ssh) come and go between samples. QEMU processes are
/// daemonized by libvirt (parent PID 1), so they are matched by name.
/// </remarks>
public sealed class CpuSampler : IAsyncDisposable
{
    private const double TicksPerSecond = 100;
    private readonly Dictionary<string, int> _roots;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, double> _seconds = [];
    private readonly Dictionary<int, long> _lastPerPid = [];
    private readonly Dictionary<string, long> _lastSubtree = [];
    private readonly List<double> _loads = [];
    private (long Busy, long Total, long IoWait) _lastMachine;
    private long _busyTicks;
    private long _totalTicks;
    private long _ioWaitTicks;
    private int _samples;
    private int _saturated;
    private readonly DateTime _started;

    /// <param name="roots">Named process trees to account separately, e.g. "vm-manager" → the daemon's PID.</param>
    public CpuSampler(IReadOnlyDictionary<string, int> roots)
    {
        _roots = roots.ToDictionary();
        Sample(record: false);
        _started = DateTime.UtcNow;
        _loop = LoopAsync();
    }

    public async Task<CpuReport> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Sample(record: true);
        var wall = (DateTime.UtcNow - _started).TotalSeconds;
        var cores = Environment.ProcessorCount;
        var machineSeconds = _totalTicks / TicksPerSecond / cores;
        return new CpuReport(
            wall,
            cores,
            _totalTicks == 0 ? 0 : 100.0 * cores * _busyTicks / _totalTicks,
            _totalTicks == 0 ? 0 : 100.0 * cores * _ioWaitTicks / _totalTicks,
            _samples == 0 ? 0 : 100.0 * _saturated / _samples,
            _loads.Count == 0 ? 0 : _loads.Max(),
            _loads.Count == 0 ? 0 : _loads.Average(),
            _seconds.ToDictionary(pair => pair.Key, pair => pair.Value),
            Math.Max(0, (_busyTicks / TicksPerSecond) - _seconds.Values.Sum()),
            machineSeconds);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _loop;
        }
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Sample(record: true);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample(bool record)
    {
        var machine = ReadMachine();
        var processes = ReadProcesses();
        var children = processes.Values.GroupBy(p => p.Parent).ToDictionary(g => g.Key, g => g.Select(p => p.Pid).ToList());
        var inSubtree = new HashSet<int>();
        foreach (var (name, root) in _roots)
        {
            if (!processes.TryGetValue(root, out var rootProcess))
            {
                continue;
            }
            long descendants = 0;
            var pending = new Stack<int>(children.GetValueOrDefault(root) ?? []);
            while (pending.TryPop(out var pid))
            {
                inSubtree.Add(pid);
                descendants += processes[pid].Total;
                foreach (var child in children.GetValueOrDefault(pid) ?? [])
                {
                    pending.Push(child);
                }
            }
            inSubtree.Add(root);
            Account(record, name, rootProcess.Own);
            Account(record, name + " children", rootProcess.Reaped + descendants);
        }
        foreach (var process in processes.Values.Where(p => !inSubtree.Contains(p.Pid)))
        {
            var group = process.Name.StartsWith("qemu-system", StringComparison.Ordinal) ? "QEMU guests"
                : process.Name is "libvirtd" or "virtlogd" ? "libvirtd"
                : null;
            if (group is null)
            {
                continue;
            }
            var last = _lastPerPid.GetValueOrDefault(process.Pid, -1);
            _lastPerPid[process.Pid] = process.Own;
            if (record)
            {
                Add(group, last < 0 ? process.Own : process.Own - last);
            }
        }
        if (record)
        {
            var (busy, total, ioWait) = (machine.Busy - _lastMachine.Busy, machine.Total - _lastMachine.Total, machine.IoWait - _lastMachine.IoWait);
            _busyTicks += busy;
            _totalTicks += total;
            _ioWaitTicks += ioWait;
            _samples++;
            _saturated += total > 0 && busy >= 0.95 * total ? 1 : 0;
            _loads.Add(HostInfo.Load().One);
        }
        _lastMachine = machine;
    }

    private void Account(bool record, string key, long ticks)
    {
        var last = _lastSubtree.GetValueOrDefault(key, -1);
        _lastSubtree[key] = ticks;
        if (record)
        {
            Add(key, last < 0 ? 0 : ticks - last);
        }
    }

    private void Add(string group, long ticks) => _seconds[group] = _seconds.GetValueOrDefault(group) + (Math.Max(0, ticks) / TicksPerSecond);

    private static (long Busy, long Total, long IoWait) ReadMachine()
    {
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], total, fields[4]);
    }

    private static Dictionary<int, ProcessTicks> ReadProcesses()
    {
        var processes = new Dictionary<int, ProcessTicks>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                // "pid (comm) state ppid … utime(14) stime(15) cutime(16) cstime(17)": comm may hold spaces.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
                processes[pid] = new ProcessTicks(pid, (int)Field(4), stat[(open + 1)..close], Field(14) + Field(15), Field(16) + Field(17));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone between listing and reading.
            }
        }
        return processes;
    }

    private sealed record ProcessTicks(int Pid, int Parent, string Name, long Own, long Reaped)
    {
        public long Total => Own + Reaped;
    }
}

public sealed record CpuReport(
    double WallSeconds,
    int Cores,
    double BusyPercent,
    double IoWaitPercent,
    double SaturatedPercent,
    double MaxLoad,
    double MeanLoad,
    IReadOnlyDictionary<string, double> CpuSeconds,
    double OtherCpuSeconds,
    double MachineSeconds)
{
    /// <summary>One line: where the machine's CPU went (100 % = one core).</summary>
    public string Describe()
    {
        string Share(double seconds) => WallSeconds <= 0 ? "–" : $"{100 * seconds / WallSeconds:F0} %";
        var groups = CpuSeconds.Where(pair => pair.Value > 0.05).OrderByDescending(pair => pair.Value)
            .Select(pair => $"{pair.Key} {Share(pair.Value)}");
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU busy {BusyPercent:F0} % of {Cores * 100} % (≥95 % busy in {SaturatedPercent:F0} % of the seconds, iowait {IoWaitPercent:F0} %); "
            + $"{string.Join(", ", groups)}, other processes {Share(OtherCpuSeconds)}; load average 1 min: mean {MeanLoad:F1}, max {MaxLoad:F1}");
    }
}
