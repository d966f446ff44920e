using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Tests.Hypervisor;

public sealed class ProcessRunnerTests
{
    private readonly ProcessRunner _runner = new(NullLogger<ProcessRunner>.Instance);

    [Fact]
    public async Task RunAsync_HangingCommand_KillsWholeTreeAtTimeout()
    {
        // A parent that waits on a child: both must be gone after the timeout.
        var command = new CommandLine("/bin/sh", ["-c", "sleep 300 & echo child=$!; wait"], TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<CommandTimeoutException>(() => _runner.RunAsync(command));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Contains("did not finish within 1 s", error.Message);
        var child = int.Parse(error.Output.Trim().Split('=')[1]);
        await Task.Delay(200);
        Assert.False(IsAlive(child), $"child {child} survived the timeout");
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsTheProcessAndThrowsCancellation()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var command = new CommandLine("/bin/sleep", ["300"], TimeSpan.FromMinutes(5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runner.RunAsync(command, cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task RunAsync_ArgumentsWithShellCharacters_ReachTheProgramVerbatim()
    {
        var tricky = "a b; rm -rf / $(id) `id` \"q\" 'q' ../..";

        var result = await _runner.RunAsync(new CommandLine("/usr/bin/printf", ["%s", tricky], TimeSpan.FromSeconds(10)));

        Assert.True(result.Succeeded);
        Assert.Equal(tricky, result.Output.TrimEnd('\n'));
    }

    [Fact]
    public async Task RunAsync_StandardInput_ReachesTheProcessWithoutTheCommandLine()
    {
        var result = await _runner.RunAsync(new CommandLine("/bin/cat", [], TimeSpan.FromSeconds(10)) { StandardInput = "secret-from-stdin" });

        Assert.Equal("secret-from-stdin", result.Output.Trim());
    }

    [Fact]
    public async Task RunAsync_FailingCommand_ReturnsExitCodeAndStderrLines()
    {
        var lines = new List<string>();

        var result = await _runner.RunAsync(new CommandLine("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], TimeSpan.FromSeconds(10)), lines.Add);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("err", lines);
        Assert.Contains("out", lines);
    }

    [Fact]
    public async Task RunAsync_MissingProgram_ThrowsReadableError()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _runner.RunAsync(new CommandLine("/nonexistent/vagrant", ["up"], TimeSpan.FromSeconds(10))));

        Assert.Contains("cannot run '/nonexistent/vagrant'", error.Message);
    }

    /// <summary>Gone, or a zombie waiting for init to reap it: either way no longer running.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
