namespace VmManager.Daemon.Hosting;

/// <summary>A problem found at start that an admin must fix; printed as one line, exit code 2.</summary>
public sealed class StartupException(string key, string problem, Exception? inner = null)
    : Exception($"{key}: {problem}", inner)
{
    public string Key { get; } = key;

    public const int ExitCode = 2;

    /// <summary>
    /// The line for stderr. When stderr is the journal (systemd sets JOURNAL_STREAM), the sd-daemon(3)
    /// prefix &lt;3&gt; files it at priority err, so that `journalctl -p warning` shows why the start failed.
    /// </summary>
    public static string Line(string message, bool toJournal) => $"{(toJournal ? "<3>" : "")}vm-manager: {message}";
}
