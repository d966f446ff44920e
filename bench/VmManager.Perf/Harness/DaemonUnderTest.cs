using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Options;
using Tomlyn;
using Tomlyn.Model;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Perf.Harness;

/// <summary>
/// The built vm-manager binary as a child process, as systemd starts it: a config file like the demo's
/// (tiny template, rig pool) with the data in a scratch folder, and a NOTIFY_SOCKET this harness owns,
/// so "ready" is the READY=1 datagram, not a guess.
/// </summary>
public sealed class DaemonUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly Socket _notify;
    private readonly StringBuilder _log = new();

    private DaemonUnderTest(Process process, Socket notify, Stopwatch sinceStart, string url)
    {
        _process = process;
        _notify = notify;
        SinceStart = sinceStart;
        Url = new Uri(url);
        process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Url { get; }

    public int Pid => _process.Id;

    /// <summary>Started just before the process was created.</summary>
    public Stopwatch SinceStart { get; }

    public TimeSpan? ReadyAfter { get; private set; }

    /// <summary>CPU time (user + system, all threads) the process had used when READY=1 arrived: unlike the wall time it hardly depends on the machine's load.</summary>
    public double? CpuAtReadyMs { get; private set; }

    public double CpuMs
    {
        get
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
            }
            catch (IOException)
            {
                return double.NaN;
            }
        }
    }

    public string Log { get { lock (_log) { return _log.ToString(); } } }

    public long RssKiB => ProcStatus("VmRSS:");

    public long RssAnonKiB => ProcStatus("RssAnon:");

    /// <summary>
    /// Writes the config (demo defaults + <paramref name="settings"/> as "Section:Key" → value) and returns the
    /// arguments. Each run gets its own Machines:NamePrefix (<see cref="NamingOf"/>): the other daemons on
    /// this shared rig (other engineers' tests) then never take its VMs for their orphans, nor it theirs.
    /// </summary>
    public static string[] WriteConfig(Scratch scratch, int port, IReadOnlyDictionary<string, object>? settings = null)
    {
        var config = TomlConfiguration.Parse(File.ReadAllText(Paths.DemoConfig));
        var all = new Dictionary<string, object>
        {
            ["Server:Url"] = $"http://127.0.0.1:{port}",
            ["Storage:DataDirectory"] = scratch.Folder("data"),
            ["Machines:VmRoot"] = Path.Combine(scratch.Path, "student_vms"),
            ["Machines:NamePrefix"] = NamePrefixOf(scratch),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, object>())
        {
            all[key] = value;
        }
        foreach (var (key, value) in all)
        {
            var path = key.Split(':');
            var node = config;
            foreach (var part in path[..^1])
            {
                node = (TomlTable)(node.TryGetValue(part, out var child) ? child : node[part] = new TomlTable());
            }
            node[path[^1]] = value switch
            {
                int number => (long)number,
                bool flag => flag,
                _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
            };
        }
        var file = scratch.File("vm-manager.toml");
        File.WriteAllText(file, TomlSerializer.Serialize(config));
        return ["--config", file];
    }

    /// <summary>How the daemon configured on <paramref name="scratch"/> names its domains and disks.</summary>
    public static DomainNaming NamingOf(Scratch scratch) => new(Options.Create(new MachinesOptions { NamePrefix = NamePrefixOf(scratch) }));

    private static string NamePrefixOf(Scratch scratch) => "perf" + System.IO.Path.GetFileName(scratch.Path)[^8..];

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the daemon and waits for READY=1 (failing with its log if it exits or takes a minute).</summary>
    public static async Task<DaemonUnderTest> StartAsync(Scratch scratch, string[] arguments, int port, IReadOnlyDictionary<string, string>? environment = null,
        string? binary = null)
    {
        var socketPath = scratch.File($"notify-{Guid.NewGuid().ToString("N")[..8]}.sock");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var start = new ProcessStartInfo(binary ?? Repository.DaemonBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = scratch.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in new[] { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "VMMANAGER_CONFIG" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start vm-manager");
        var daemon = new DaemonUnderTest(process, notify, clock, $"http://127.0.0.1:{port}");
        try
        {
            await daemon.WaitForAsync("READY=1", TimeSpan.FromMinutes(1));
            daemon.ReadyAfter = clock.Elapsed;
            daemon.CpuAtReadyMs = daemon.CpuMs;
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>Runs an admin command (vm-manager users add …) against the same config, to its end.</summary>
    public static Task<ShellResult> CliAsync(string[] configArguments, IEnumerable<string> command, string? input = null) =>
        Shell.RunAsync(Repository.DaemonBinary, [.. configArguments, .. command], input: input);

    /// <summary>SIGTERM, as systemctl stop; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        _ = Kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _notify.Dispose();
    }

    private async Task WaitForAsync(string message, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[512];
        while (true)
        {
            var receive = _notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).AsTask();
            while (!receive.IsCompleted)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"vm-manager exited ({_process.ExitCode}) before {message}:\n{Log}");
                }
                await Task.WhenAny(receive, Task.Delay(100, CancellationToken.None));
            }
            try
            {
                if (Encoding.UTF8.GetString(buffer, 0, await receive).Split('\n').Contains(message))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {message} from vm-manager within {timeout}:\n{Log}");
            }
        }
    }

    private long ProcStatus(string key)
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
