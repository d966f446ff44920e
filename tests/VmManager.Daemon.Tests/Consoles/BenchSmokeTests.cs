using System.Diagnostics;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Runs bench/VmManager.Bench in its seconds-long smoke mode so that the benchmark keeps working (no timing is asserted).</summary>
[Collection(Name)]
public sealed class BenchSmokeTests
{
    /// <summary>The benchmark saturates both CPUs for seconds: run it alone, not beside timing-sensitive tests.</summary>
    public const string Name = "bench (alone)";

    [Fact]
    public async Task Bench_SmokeMode_MeasuresEveryPathAndEndsOk()
    {
        var binary = Path.Combine(Repository.Root, "bench", "VmManager.Bench", "bin", Repository.Configuration, "net10.0", "VmManager.Bench");
        var start = new ProcessStartInfo(binary, ["--smoke"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await error}");
        Assert.Matches(@"\| direct TCP \| \d+ \| 1\.00 \|", output);
        Assert.Matches(@"\| vm-manager bridge \| \d+ \| \d+\.\d\d \| \d+ \|", output);
        Assert.Matches(@"\| vm-manager \(one process\) \| 1 \| [\d.]+ MiB \|", output);
        // scripts/rig.sh install-web installs both relays, so neither path may be skipped.
        Assert.Matches(@"\| socat \(plain TCP relay, no WebSocket\) \| \d+ \| \d+\.\d\d \|", output);
        Assert.Matches(@"\| websockify \| \d+ \|", output);
        Assert.Matches(@"\| websockify ×3 \| \d+ \|", output);
        Assert.EndsWith("OK", output.Trim());
    }
}

[CollectionDefinition(BenchSmokeTests.Name, DisableParallelization = true)]
public sealed class BenchCollection;
