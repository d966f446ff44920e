using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>A create must not wait for `vagrant box list` (a Ruby start) when the answer is already known.</summary>
public sealed class BoxCatalogTests
{
    private static readonly MachineTemplate Tiny = new() { Id = "tiny", Box = "vmm/tiny" };
    private static readonly MachineTemplate Other = new() { Id = "other", Box = "vmm/other" };

    [Fact]
    public async Task IsInstalled_KnownBoxInAListOlderThanAMinute_AnswersAtOnceAndRefreshesInTheBackground()
    {
        var clock = new ManualClock();
        var vagrant = new SlowBoxList();
        using var catalog = Catalog(vagrant, clock);
        Assert.True(await catalog.IsInstalledAsync(Tiny, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(2));
        vagrant.Hold();

        var answer = catalog.IsInstalledAsync(Tiny, CancellationToken.None);

        Assert.True(answer.IsCompletedSuccessfully, "the click waited for vagrant box list");
        Assert.True(await answer);
        await vagrant.WaitForCallsAsync(2);
        vagrant.Release();
    }

    [Fact]
    public async Task IsInstalled_BoxMissingFromAnOldList_AsksVagrantAgainBeforeRefusing()
    {
        var clock = new ManualClock();
        var vagrant = new SlowBoxList();
        using var catalog = Catalog(vagrant, clock);
        Assert.False(await catalog.IsInstalledAsync(Other, CancellationToken.None));
        Assert.False(await catalog.IsInstalledAsync(Other, CancellationToken.None));
        Assert.Equal(1, vagrant.Calls);

        clock.Advance(TimeSpan.FromMinutes(2));
        vagrant.Boxes.Add("vmm/other");

        Assert.True(await catalog.IsInstalledAsync(Other, CancellationToken.None));
        Assert.Equal(2, vagrant.Calls);
    }

    [Fact]
    public async Task IsInstalled_ManyClicksBeforeTheFirstList_ShareOneVagrantCall()
    {
        var vagrant = new SlowBoxList();
        using var catalog = Catalog(vagrant, new ManualClock());
        vagrant.Hold();

        var answers = Enumerable.Range(0, 20).Select(_ => catalog.IsInstalledAsync(Tiny, CancellationToken.None)).ToList();
        await vagrant.WaitForCallsAsync(1);
        vagrant.Release();

        Assert.All(await Task.WhenAll(answers), Assert.True);
        Assert.Equal(1, vagrant.Calls);
    }

    private static BoxCatalog Catalog(SlowBoxList runner, TimeProvider clock) =>
        new(new Vagrant(runner, Options.Create(new HypervisorOptions())), clock, NullLogger<BoxCatalog>.Instance);

    /// <summary>Answers `vagrant box list --machine-readable` with <see cref="Boxes"/>, optionally held until released.</summary>
    private sealed class SlowBoxList : ICommandRunner
    {
        private TaskCompletionSource _gate = Released();
        private int _calls;

        public List<string> Boxes { get; } = ["vmm/tiny"];

        public int Calls => Volatile.Read(ref _calls);

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public async Task WaitForCallsAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Calls < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"vagrant box list called {Calls} time(s), expected {count}");
                await Task.Delay(10);
            }
        }

        public async Task<CommandResult> RunAsync(CommandLine command, Action<string>? onLine = null, CancellationToken cancellationToken = default)
        {
            Assert.Equal(["box", "list", "--machine-readable"], command.Arguments);
            Interlocked.Increment(ref _calls);
            await _gate.Task.WaitAsync(cancellationToken);
            var output = string.Concat(Boxes.Select(box => $"1,,box-name,{box}\n1,,box-provider,libvirt\n1,,box-version,0\n"));
            return new CommandResult(0, output, TimeSpan.Zero);
        }

        public IReadOnlyList<int> KillStrays(string folder) => [];

        private static TaskCompletionSource Released()
        {
            var released = new TaskCompletionSource();
            released.SetResult();
            return released;
        }
    }
}
