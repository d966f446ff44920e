using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace VmManager.Daemon.Tests.Support;

/// <summary>The built vm-manager binary as a child process, as systemd or an admin would start it.</summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private DaemonProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_error) { _error.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public string Error { get { lock (_error) { return _error.ToString(); } } }

    public static DaemonProcess Start(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Repository.DaemonBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in new[] { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "VMMANAGER_CONFIG" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }
        return new DaemonProcess(Process.Start(start)!);
    }

    /// <summary>Starts, waits for the exit, and returns (exit code, stderr); for configs that must be refused.</summary>
    public static async Task<(int ExitCode, string Error, string Output)> RunToExitAsync(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null)
    {
        using var daemon = Start(arguments, environment);
        var exitCode = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, daemon.Error.Trim(), daemon.Output.Trim());
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public void Terminate() => _ = Kill(_process.Id, 15);

    /// <summary>SIGKILL to the daemon alone, like a crash: its children (vagrant) live on, orphaned.</summary>
    public void Kill()
    {
        _ = Kill(_process.Id, 9);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
