using System.Globalization;

namespace VmManager.Perf.Harness;

/// <summary>
/// A process's CPU time and run-queue wait summed over its threads (/proc/PID/task/*/schedstat): on a
/// loaded machine, the wait says how much of a latency was spent ready to run but without a core.
/// </summary>
public static class Schedule
{
    public static (double CpuMs, double WaitMs) Of(int pid)
    {
        double cpu = 0, wait = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                // "<ns on cpu> <ns waiting on a runqueue> <timeslices>"
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                cpu += long.Parse(fields[0], CultureInfo.InvariantCulture) / 1e6;
                wait += long.Parse(fields[1], CultureInfo.InvariantCulture) / 1e6;
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return (cpu, wait);
    }
}
