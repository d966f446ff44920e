using VmManager.Daemon.Tests.Support;

namespace VmManager.Perf.Harness;

/// <summary>Where the daemon's sources and the test rig's values are (the repository and the built daemon: <see cref="Repository"/>).</summary>
public static class Paths
{
    public static string DaemonProject => Path.Combine(Repository.Root, "src", "VmManager.Daemon");

    public static string DemoConfig => Path.Combine(Repository.Root, "src", "VmManager.Daemon", "Hosting", "demo.toml");

    /// <summary>The values scripts/rig.sh wrote (pool, network, Vagrant home…).</summary>
    public static IReadOnlyDictionary<string, string> Rig { get; } = ReadRig();

    public static string RigValue(string key) => Rig.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"rig.env has no {key} (scripts/rig.sh up)");

    private static Dictionary<string, string> ReadRig()
    {
        var rig = Environment.GetEnvironmentVariable("VMM_RIG") is { Length: > 0 } custom ? custom : "/var/tmp/vmm-rig";
        var file = Path.Combine(rig, "rig.env");
        return !File.Exists(file)
            ? []
            : File.ReadAllLines(file)
                .Where(line => line.Contains('=') && !line.TrimStart().StartsWith('#'))
                .Select(line => line.Split('=', 2))
                .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim().Trim('"', '\''));
    }
}
