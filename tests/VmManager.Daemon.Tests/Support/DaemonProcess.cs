using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace VmManager.Daemon.Tests.Support;

/// <summary>The built vm-manager binary as a child process, as systemd or an admin would start it.</summary>
public sealed partial class DaemonProcess : IDisposable
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

    /// <summary>Starts the binary; <paramref name="input"/> is written to its stdin, which is then closed (EOF).</summary>
    public static DaemonProcess Start(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null, string? input = null)
    {
        var start = new ProcessStartInfo(Repository.DaemonBinary)
        {
            RedirectStandardInput = true,
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
        var process = Process.Start(start)!;
        try
        {
            process.StandardInput.Write(input ?? "");
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited before reading: its exit code and stderr say why.
        }
        return new DaemonProcess(process);
    }

    /// <summary>Starts, waits for the exit, and returns (exit code, stderr); for configs that must be refused.</summary>
    public static async Task<(int ExitCode, string Error, string Output)> RunToExitAsync(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? input = null)
    {
        using var daemon = Start(arguments, environment, input: input);
        var exitCode = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, daemon.Error.Trim(), daemon.Output.Trim());
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    /// <summary>The base address Kestrel logged (start it with Server:Url http://127.0.0.1:0 for a free port).</summary>
    public async Task<string> WaitForListeningAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Match match;
        while (!(match = ListeningOn().Match(Output)).Success)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the daemon did not start listening:\n{Output}\n{Error}");
            if (_process.HasExited)
            {
                Assert.Fail($"the daemon exited ({_process.ExitCode}):\n{Output}\n{Error}");
            }
            await Task.Delay(50);
        }
        return match.Groups[1].Value;
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

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
