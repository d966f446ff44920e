using System.Globalization;

namespace VmManager.Perf.Harness;

/// <summary>What the numbers were measured on, and how busy it was.</summary>
public static class HostInfo
{
    public static string Cpu => File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    public static string Kernel => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    public static long MemoryTotalKiB => MemInfo("MemTotal:");

    public static long MemoryAvailableKiB => MemInfo("MemAvailable:");

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static (double One, double Five, double Fifteen) Load()
    {
        var fields = File.ReadAllText("/proc/loadavg").Split(' ');
        return (Parse(fields[0]), Parse(fields[1]), Parse(fields[2]));

        static double Parse(string value) => double.Parse(value, CultureInfo.InvariantCulture);
    }

    public static string LoadText()
    {
        var (one, five, fifteen) = Load();
        return string.Create(CultureInfo.InvariantCulture, $"{one:F2} / {five:F2} / {fifteen:F2}");
    }

    public static string Describe() =>
        $"{Cpu}; nproc {Environment.ProcessorCount}; RAM {MemoryTotalKiB / 1024 / 1024.0:F1} GiB ({MemoryAvailableKiB / 1024 / 1024.0:F1} GiB available); "
        + $"Linux {Kernel}; .NET {Environment.Version}; load average (1/5/15 min) {LoadText()}";

    private static long MemInfo(string key)
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith(key, StringComparison.Ordinal));
        return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
