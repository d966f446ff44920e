using System.Globalization;

namespace VmManager.Bench;

/// <summary>
/// Resident set sizes and CPU time from /proc, for one process or a process and all its descendants
/// (websockify forks one child per client).
/// </summary>
public static class ProcessMemory
{
    private static readonly double ClockTicksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on

    /// <summary>User + system CPU seconds of the processes and their descendants, live, exited or reaped.</summary>
    public static double TreeCpuSeconds(IEnumerable<int> roots) => Tree(roots).Sum(pid =>
    {
        var fields = StatFields(pid);
        // Fields after "(comm)": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14.
        return fields is null ? 0 : Enumerable.Range(11, 4).Sum(index => long.Parse(fields[index], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    });

    public static long RssKiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The processes and every descendant, each counted once.</summary>
    public static (int Processes, long RssKiB) TreeRss(IEnumerable<int> roots)
    {
        var tree = Tree(roots);
        return (tree.Count, tree.Sum(RssKiB));
    }

    private static HashSet<int> Tree(IEnumerable<int> roots)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ParentOf(pid) is { } parent)
            {
                parents[pid] = parent;
            }
        }
        var tree = new HashSet<int>(roots);
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (tree.Contains(parent) && tree.Add(pid))
                {
                    grew = true;
                }
            }
        }
        while (grew);
        return tree;
    }

    private static int? ParentOf(int pid) => StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    /// <summary>/proc/PID/stat after "pid (comm) ": comm may contain spaces, so split after the last ')'.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
