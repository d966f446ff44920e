using System.Diagnostics;
using System.Net.Sockets;

namespace VmManager.Bench;

/// <summary>A helper process: this binary in another mode (so each side has its own CPU time and RSS), websockify or socat.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Starts this program with <paramref name="arguments"/> and waits for its "READY ..." line.</summary>
    public static Task<(ChildProcess Child, string[] Ready)> StartSelfAsync(params string[] arguments) =>
        StartSelfAsync(new Dictionary<string, string>(), arguments);

    /// <summary>The same with extra environment variables: runtime knobs measured on the bridge alone (--bridge-env).</summary>
    public static async Task<(ChildProcess Child, string[] Ready)> StartSelfAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var child = new ChildProcess(Process.Start(start)!);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await child._process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                // Keep draining its output so that it never blocks on a full pipe.
                _ = child._process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (child, line.Split(' ')[1..]);
            }
        }
        throw new InvalidOperationException($"{arguments[0]} ended before it was ready (exit {child._process.ExitCode})");
    }

    /// <summary>Debian's websockify from <paramref name="port"/> to the target, once it accepts connections.</summary>
    public static Task<ChildProcess> StartWebsockifyAsync(int port, int targetPort) =>
        StartRelayAsync(port, "websockify", $"127.0.0.1:{port}", $"127.0.0.1:{targetPort}");

    /// <summary>
    /// Debian's socat relaying plain TCP from <paramref name="port"/> to the target with the bridge's read size:
    /// the cheapest relay there is (C, read/write, no framing), so its ratio is the ceiling for any relay here.
    /// </summary>
    public static Task<ChildProcess> StartSocatAsync(int port, int targetPort, int bufferBytes) =>
        StartRelayAsync(port, "socat", "-b", bufferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork", $"TCP:127.0.0.1:{targetPort},nodelay");

    private static async Task<ChildProcess> StartRelayAsync(int port, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var child = new ChildProcess(Process.Start(start)!);
        _ = child._process.StandardOutput.ReadToEndAsync();
        _ = child._process.StandardError.ReadToEndAsync();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return child;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }
        child.Dispose();
        throw new InvalidOperationException($"{program} on port {port} did not start");
    }

    public void Dispose()
    {
        try
        {
            if (_process.StartInfo.RedirectStandardInput)
            {
                _process.StandardInput.Close();
            }
            if (!_process.WaitForExit(TimeSpan.FromSeconds(_process.StartInfo.RedirectStandardInput ? 10 : 0)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
