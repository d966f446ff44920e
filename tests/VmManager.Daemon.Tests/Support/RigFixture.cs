using System.Diagnostics;

namespace VmManager.Daemon.Tests.Support;

/// <summary>
/// Brings up the project's real test rig (libvirtd + QEMU, Vagrant box, slapd, SMTP sink) with
/// scripts/rig.sh, which is idempotent, and exposes the values it wrote to rig.env.
/// </summary>
public sealed class RigFixture
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Values = new(BringUp);

    public IReadOnlyDictionary<string, string> Env => Values.Value;

    public string this[string key] => Env.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"rig.env has no {key}");

    public static string Script => Path.Combine(Repository.Root, "scripts", "rig.sh");

    /// <summary>Runs a rig.sh command (e.g. "stop ldap") and fails the test with its output if it fails.</summary>
    public static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rig.sh {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output.Result}\n{error}");
        }
    }

    private static IReadOnlyDictionary<string, string> BringUp()
    {
        Run("up");
        var rig = Environment.GetEnvironmentVariable("VMM_RIG") is { Length: > 0 } custom ? custom : "/var/tmp/vmm-rig";
        return File.ReadAllLines(Path.Combine(rig, "rig.env"))
            .Where(line => line.Contains('=') && !line.TrimStart().StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim().Trim('"', '\''));
    }
}

[CollectionDefinition(Name)]
public sealed class RigCollection : ICollectionFixture<RigFixture>
{
    public const string Name = "rig";
}
