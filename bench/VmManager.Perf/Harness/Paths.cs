namespace VmManager.Perf.Harness;

/// <summary>Where the repository, the built daemon and the test rig's values are.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>The vm-manager binary the project reference built beside this program's configuration.</summary>
    public static string DaemonBinary => Path.Combine(Root, "src", "VmManager.Daemon", "bin", Configuration, "net10.0", "vm-manager");

    public static string DaemonProject => Path.Combine(Root, "src", "VmManager.Daemon");

    public static string DemoConfig => Path.Combine(Root, "src", "VmManager.Daemon", "Hosting", "demo.json");

    /// <summary>The values scripts/rig.sh wrote (pool, network, Vagrant home…).</summary>
    public static IReadOnlyDictionary<string, string> Rig { get; } = ReadRig();

    public static string RigValue(string key) => Rig.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"rig.env has no {key} (scripts/rig.sh up)");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VmManager.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("VmManager.sln not found above " + AppContext.BaseDirectory);
    }

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
