namespace VmManager.Daemon.Hosting;

/// <summary>A problem found at start that an admin must fix; printed as one line, exit code 2.</summary>
public sealed class StartupException(string key, string problem, Exception? inner = null)
    : Exception($"{key}: {problem}", inner)
{
    public string Key { get; } = key;

    public const int ExitCode = 2;
}
