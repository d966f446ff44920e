namespace VmManager.Perf.Harness;

/// <summary>Proves a run cleaned up: no domain, no volume in the rig's pool, no folder for what it created.</summary>
public static class Leftovers
{
    /// <summary>What is still there, one line each; empty when clean.</summary>
    public static async Task<List<string>> FindAsync(IEnumerable<string> domains, IEnumerable<string> folders)
    {
        var names = domains.ToList();
        var defined = (await Shell.VirshAsync("list", "--all", "--name")).OrThrow("virsh list").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var volumes = (await Shell.VirshAsync("vol-list", "--pool", Paths.RigValue("VMM_POOL"))).OrThrow("virsh vol-list").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(2).Select(line => line.Split(' ', 2)[0]).ToList();
        var left = new List<string>();
        left.AddRange(names.Where(defined.Contains).Select(name => $"domain {name}"));
        left.AddRange(volumes.Where(volume => names.Any(name => volume.StartsWith(name, StringComparison.Ordinal))).Select(volume => $"volume {volume}"));
        left.AddRange(folders.Where(Directory.Exists).Select(folder => $"folder {folder}"));
        return left;
    }
}
