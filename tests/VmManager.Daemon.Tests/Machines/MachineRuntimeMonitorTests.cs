using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

public sealed class MachineRuntimeMonitorTests
{
    [Fact]
    public async Task Refresh_ManyCallersWhileAPassRuns_ShareOneNewPassThatSeesWhatTheyAskedFor()
    {
        using var db = new TestDatabase();
        var virsh = new HeldDomStats();
        var cache = new MachineRuntimeCache();
        using var monitor = new MachineRuntimeMonitor(new Virsh(virsh, Options.Create(new HypervisorOptions())), cache,
            new MachineStore(db.Database, TimeProvider.System), new MachineEvents(), Options.Create(new MachinesOptions()),
            new BackgroundFaults(TimeProvider.System), TimeProvider.System, NullLogger<MachineRuntimeMonitor>.Instance);
        virsh.Hold();
        var first = monitor.RefreshAsync(CancellationToken.None);
        await virsh.WaitForCallsAsync(1);

        // Ten job ends while the first pass is out: that pass began before them and cannot have seen their domain.
        virsh.Domains.Add("vmm_new");
        var waiting = Enumerable.Range(0, 10).Select(_ => monitor.RefreshAsync(CancellationToken.None)).ToList();
        virsh.Release();
        await first;
        await Task.WhenAll(waiting);

        Assert.Equal(2, virsh.Calls);
        Assert.NotNull(cache.For("vmm_new"));
    }

    [Fact]
    public async Task Monitor_LibvirtUnreachableForManyRefreshes_WarnsOnceThenSaysWhenItIsBack()
    {
        using var db = new TestDatabase();
        var virsh = new HeldDomStats { Unreachable = true };
        var logger = new RecordingLogger();
        using var monitor = new MachineRuntimeMonitor(new Virsh(virsh, Options.Create(new HypervisorOptions())), new MachineRuntimeCache(),
            new MachineStore(db.Database, TimeProvider.System), new MachineEvents(), Options.Create(new MachinesOptions { StateRefreshSeconds = 1 }),
            new BackgroundFaults(TimeProvider.System), TimeProvider.System, logger);

        await monitor.StartAsync(CancellationToken.None);
        await virsh.WaitForCallsAsync(3);
        virsh.Unreachable = false;
        await virsh.WaitForCallsAsync(virsh.Calls + 1);
        await monitor.StopAsync(CancellationToken.None);

        // One line when the streak starts (its exception only at debug level) and one when it ends.
        var failed = Assert.Single(logger.Lines, line => line.Level >= LogLevel.Warning);
        Assert.Contains("vm-state-monitor failed", failed.Message);
        Assert.Contains("virsh domstats: error: Failed to connect socket", failed.Message);
        var back = Assert.Single(logger.Lines, line => line.Level == LogLevel.Information);
        Assert.Matches("works again after [3-9] failed attempt", back.Message);
    }

    private sealed class RecordingLogger : ILogger<MachineRuntimeMonitor>
    {
        private readonly List<(LogLevel Level, string Message)> _lines = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Lines { get { lock (_lines) { return _lines.ToList(); } } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }

    /// <summary>Answers `virsh domstats` with <see cref="Domains"/> shut off, optionally held until released.</summary>
    private sealed class HeldDomStats : ICommandRunner
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;
        private bool _unreachable;

        public HeldDomStats() => _gate.SetResult();

        public List<string> Domains { get; } = [];

        /// <summary>virsh's answer while libvirtd is down.</summary>
        public bool Unreachable { get => Volatile.Read(ref _unreachable); set => Volatile.Write(ref _unreachable, value); }

        public int Calls => Volatile.Read(ref _calls);

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public async Task WaitForCallsAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Calls < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"virsh domstats called {Calls} time(s), expected {count}");
                await Task.Delay(10);
            }
        }

        public async Task<CommandResult> RunAsync(CommandLine command, Action<string>? onLine = null, CancellationToken cancellationToken = default)
        {
            Assert.Contains("domstats", command.Arguments);
            var snapshot = Domains.ToList();
            Interlocked.Increment(ref _calls);
            await _gate.Task.WaitAsync(cancellationToken);
            if (Unreachable)
            {
                return new CommandResult(1, "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/run/libvirt/libvirt-sock': No such file or directory\n", TimeSpan.Zero);
            }
            var output = string.Concat(snapshot.Select(name => $"Domain: '{name}'\n  state.state=5\n  state.reason=0\n  cpu.time=0\n\n"));
            return new CommandResult(0, output, TimeSpan.Zero);
        }

        public IReadOnlyList<int> KillStrays(string folder) => [];
    }
}
