using System.Diagnostics;
using System.Text;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>
/// deploy/install.sh and deploy/vm_manager.service as an admin uses them, under a real systemd 252: the
/// rig's Debian 12 rootfs booted with systemd-nspawn (this machine has no systemd as PID 1). One boot for
/// the class; the daemon is this build's output, installed with install.sh --from.
/// </summary>
public sealed class NspawnUnitTests(BootedContainer container) : IClassFixture<BootedContainer>
{
    [Fact]
    public void Install_WithoutTheLibvirtGroup_RefusesBeforeChangingAnything()
    {
        var (refused, leftBehind) = container.InstallWithoutLibvirtGroup;

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("the group libvirt does not exist", refused.Error);
        Assert.Equal("", leftBehind);
    }

    [Fact]
    public async Task Install_FromSourceWithOnlyTheRuntime_SaysTheSdkIsNeeded()
    {
        // The container has the .NET runtime (bind-mounted from the host) but no SDK.
        var install = await container.RunAsync("bash", "-c", "cd /root/vm-manager && deploy/install.sh");

        Assert.NotEqual(0, install.ExitCode);
        Assert.Contains("needs the .NET 10 SDK", install.Error);
        Assert.Contains("deploy/install.sh --from DIR", install.Error);
    }

    [Fact]
    public async Task Start_UnderTheSandbox_IsActiveAfterReadyAndServes()
    {
        await container.StartAsync();

        Assert.Equal("active", (await container.RunAsync("systemctl", "is-active", "vm_manager")).Output.Trim());
        Assert.Equal("invisible", await container.PropertyAsync("ProtectProc"));
        var health = await container.RunAsync("curl", "-fsS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:5000/healthz");
        Assert.Equal("200", health.Output);
        var journal = await container.RunAsync("journalctl", "-b", "--no-pager", "-o", "cat");
        Assert.DoesNotContain("but the mode is different", journal.Output);
    }

    [Fact]
    public async Task Stop_SendsStoppingAndExitsCleanly()
    {
        await container.StartAsync();

        var stop = await container.RunAsync("systemctl", "stop", "vm_manager");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal("inactive", await container.PropertyAsync("ActiveState"));
        Assert.Equal("success", await container.PropertyAsync("Result"));
        Assert.Equal("0", await container.PropertyAsync("ExecMainStatus"));
    }

    [Fact]
    public async Task KillNine_IsRestartedByRestartOnFailure()
    {
        await container.StartAsync();
        var pid = await container.PropertyAsync("MainPID");

        await container.RunAsync("kill", "-KILL", pid);
        var back = await container.WaitForNewMainPidAsync(pid, TimeSpan.FromSeconds(30));

        Assert.True(back < TimeSpan.FromSeconds(20), $"back after {back.TotalSeconds:0.0} s (RestartSec=5s and a start)");
        Assert.Equal("active", await container.PropertyAsync("ActiveState"));
    }

    [Fact]
    public async Task HungDaemon_WatchdogBringsItBackWithinItsBound()
    {
        await container.StartAsync();
        var pid = await container.PropertyAsync("MainPID");

        // A hang the runtime cannot answer: no WATCHDOG=1 any more, and the watchdog's SIGABRT stays pending.
        var clock = Stopwatch.StartNew();
        await container.RunAsync("kill", "-STOP", pid);
        await container.WaitForJournalAsync("Watchdog timeout", TimeSpan.FromSeconds(45));
        var noticed = clock.Elapsed;
        var back = await container.WaitForNewMainPidAsync(pid, TimeSpan.FromSeconds(150));

        // The watchdog fires 15-30 s after the hang (WatchdogSec=30, a ping every 15 s); then TimeoutAbortSec 10 s
        // until SIGKILL, RestartSec 5 s and a start. With the default TimeoutAbortSec (90 s) it took ~2 min.
        Assert.True(back < TimeSpan.FromSeconds(25), $"back {back.TotalSeconds:0.0} s after the watchdog fired");
        Assert.True(noticed + back < TimeSpan.FromSeconds(60), $"back {(noticed + back).TotalSeconds:0.0} s after the hang");
    }

    [Fact]
    public async Task Start_BadConfig_OneLineAtErrPriorityAndNoRestartLoop()
    {
        await container.RunAsync("systemctl", "stop", "vm_manager");
        // Through the environment, as the config file's format is the daemon's business.
        await container.RunAsync("mkdir", "-p", "/run/systemd/system/vm_manager.service.d");
        await container.RunAsync("bash", "-c", "printf '[Service]\\nEnvironment=VMMANAGER__Server__Url=ftp://127.0.0.1:21\\n' > /run/systemd/system/vm_manager.service.d/bad.conf && systemctl daemon-reload");
        try
        {
            var start = await container.RunAsync("systemctl", "start", "vm_manager");

            Assert.NotEqual(0, start.ExitCode);
            Assert.Equal("2", await container.PropertyAsync("ExecMainStatus"));
            // Not "activating (auto-restart)": RestartPreventExitStatus=2.
            Assert.Equal("failed", await container.PropertyAsync("ActiveState"));
            var problems = await container.RunAsync("journalctl", "-u", "vm_manager", "-p", "warning", "--no-pager", "-o", "cat");
            Assert.Contains("vm-manager: Server:Url: unknown URL scheme 'ftp'", problems.Output);
        }
        finally
        {
            await container.RunAsync("bash", "-c", "rm -rf /run/systemd/system/vm_manager.service.d && systemctl daemon-reload && systemctl reset-failed vm_manager");
        }
    }
}

/// <summary>The rig's rootfs (scripts/rig.sh up nspawn) booted once, with nothing written to it (--volatile=overlay).</summary>
public sealed class BootedContainer : IAsyncLifetime
{
    private readonly StringBuilder _console = new();
    private Process? _nspawn;
    private string _systemdPid = "";

    /// <summary>install.sh --from before the libvirt group exists, and what was in /opt or passwd after it.</summary>
    public (CommandOutcome Outcome, string LeftBehind) InstallWithoutLibvirtGroup { get; private set; }

    public async Task InitializeAsync()
    {
        RigFixture.Run("up", "nspawn");
        var rig = Environment.GetEnvironmentVariable("VMM_RIG") is { Length: > 0 } custom ? custom : "/var/tmp/vmm-rig";
        // The .NET runtime this test runs on: <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var start = new ProcessStartInfo("systemd-nspawn")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--directory", Path.Combine(rig, "nspawn", "rootfs"), "--boot", "--volatile=overlay",
                     // no host systemd to register with or to ask for a scope (else "Failed to open system bus")
                     "--register=no", "--keep-unit", "--private-network", "--console=read-only",
                     $"--machine=vmm-test-{Environment.ProcessId}",
                     // the runtime only (as an admin installs aspnetcore-runtime-10.0), not the SDK beside it
                     $"--bind-ro={dotnetRoot}/dotnet:/usr/share/dotnet/dotnet",
                     $"--bind-ro={dotnetRoot}/host:/usr/share/dotnet/host",
                     $"--bind-ro={dotnetRoot}/shared:/usr/share/dotnet/shared",
                     $"--bind-ro={Path.GetDirectoryName(Repository.DaemonBinary)}:/root/published",
                     $"--bind-ro={Path.Combine(Repository.Root, "deploy")}:/root/vm-manager/deploy",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        _nspawn = Process.Start(start)!;
        _nspawn.OutputDataReceived += (_, e) => { lock (_console) { _console.AppendLine(e.Data); } };
        _nspawn.ErrorDataReceived += (_, e) => { lock (_console) { _console.AppendLine(e.Data); } };
        _nspawn.BeginOutputReadLine();
        _nspawn.BeginErrorReadLine();
        _nspawn.StandardInput.Close();

        _systemdPid = await ContainerSystemdAsync();
        await WaitForBootAsync();

        var refused = await RunAsync("bash", "-c", "cd /root/vm-manager && deploy/install.sh --from /root/published");
        var leftBehind = await RunAsync("bash", "-c", "ls -A /opt; getent passwd vm-manager || true");
        InstallWithoutLibvirtGroup = (refused, leftBehind.Output.Trim());
        await RunAsync("groupadd", "--system", "libvirt");   // stands in for libvirt-daemon-system's group
        var install = await RunAsync("bash", "-c", "cd /root/vm-manager && deploy/install.sh --from /root/published");
        Assert.True(install.ExitCode == 0, $"install.sh: {install.Output}{install.Error}");
        // The admin's next step (install.sh prints it): the example config's secrets into the credential store.
        await RunAsync("bash", "-c", """
            printf %s bind-secret | install -m 0600 /dev/stdin /etc/credstore/vm-manager.ldap-bind-password &&
            printf %s mail-secret | install -m 0600 /dev/stdin /etc/credstore/vm-manager.mail-password
            """);
    }

    public async Task DisposeAsync()
    {
        if (_nspawn is null)
        {
            return;
        }
        if (_systemdPid.Length > 0)
        {
            await RunAsync("systemctl", "poweroff");
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _nspawn.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _nspawn.Kill(entireProcessTree: true);
        }
        _nspawn.Dispose();
    }

    /// <summary>A command inside the container, in the namespaces of its systemd (as `machinectl shell` would).</summary>
    public Task<CommandOutcome> RunAsync(params string[] command) => ExternalCommand.RunAsync("nsenter",
        ["-t", _systemdPid, "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w", "--",
         "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", .. command]);

    public async Task<string> PropertyAsync(string name) =>
        (await RunAsync("systemctl", "show", "--value", "-p", name, "vm_manager")).Output.Trim();

    /// <summary>Starts the service if it is not running; `systemctl start` of a Type=notify unit returns at READY=1.</summary>
    public async Task StartAsync()
    {
        var start = await RunAsync("systemctl", "start", "vm_manager");
        Assert.True(start.ExitCode == 0, $"systemctl start: {start.Error}\n{(await RunAsync("journalctl", "-u", "vm_manager", "--no-pager", "-n", "30")).Output}");
    }

    /// <summary>How long until another process of the service is active (READY=1 again) after <paramref name="oldPid"/>.</summary>
    public async Task<TimeSpan> WaitForNewMainPidAsync(string oldPid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var state = await RunAsync("systemctl", "show", "-p", "MainPID", "-p", "ActiveState", "-p", "SubState", "vm_manager");
            var properties = state.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
            if (properties["ActiveState"] == "active" && properties["SubState"] == "running" && properties["MainPID"] is var pid && pid != oldPid && pid != "0")
            {
                return clock.Elapsed;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"vm_manager not back within {timeout.TotalSeconds} s:\n{(await RunAsync("journalctl", "-u", "vm_manager", "--no-pager", "-n", "30")).Output}");
    }

    public async Task WaitForJournalAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!(await RunAsync("journalctl", "-u", "vm_manager", "--no-pager", "-o", "cat")).Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < timeout, $"no '{text}' in the unit's journal after {timeout.TotalSeconds} s");
            await Task.Delay(250);
        }
    }

    private async Task WaitForBootAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // systemctl answers "Failed to connect to bus" until systemd has opened its private socket.
            var booted = await RunAsync("systemctl", "is-system-running", "--wait");
            if (booted.Output.Trim() is "running" or "degraded")
            {
                return;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"boot: {booted.Output}{booted.Error}\n{Console()}");
            await Task.Delay(100);
        }
    }

    private async Task<string> ContainerSystemdAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(_nspawn!.HasExited, $"systemd-nspawn exited: {Console()}");
            var child = await ExternalCommand.RunAsync("pgrep", ["-P", _nspawn.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-x", "systemd"]);
            if (child.ExitCode == 0)
            {
                return child.Output.Trim();
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no systemd in the container after 30 s: {Console()}");
    }

    private string Console()
    {
        lock (_console)
        {
            return _console.ToString();
        }
    }
}
