using VmManager.Perf.Harness;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Perf.Footprint;

/// <summary>
/// Time from process start to READY=1 and the idle resident set of the daemon, for runtime settings
/// that trade memory against speed: server or workstation GC, a heap hard limit, tiered PGO, ReadyToRun.
/// Every start is a restart on an existing database (as after a reboot); the first start, which creates
/// it, is not counted.
/// </summary>
public sealed class FootprintBenchmark(PerfArguments args, Report report)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    private sealed record Variant(string Name, IReadOnlyDictionary<string, string> Environment, string? Binary = null);

    private sealed record Sample(double ReadySeconds, double CpuToReadyMs, long RssAtReadyKiB, long RssIdleKiB, long RssAnonIdleKiB, long RssAfterGcKiB);

    public async Task RunAsync()
    {
        var starts = args.Int("--starts", 3, 1);
        report.Heading("## Footprint: idle memory and time to READY=1");
        report.Line($"- load average at start: {HostInfo.LoadText()}; build configuration of the daemon: {Repository.Configuration}");
        report.Line($"- per variant {starts} start(s) on an existing database (demo catalogue, rig pool, no demo accounts); median shown. "
            + $"RSS at READY=1, after {Idle.TotalSeconds:F0} s idle, then after a full GC induced over the diagnostics socket (as dotnet-gcdump does) and 2 s");

        using var scratch = new Scratch("footprint");
        var port = DaemonUnderTest.FreePort();
        var config = DaemonUnderTest.WriteConfig(scratch, port, new Dictionary<string, object> { ["Accounts:DemoAccounts"] = false });
        using (var first = await DaemonUnderTest.StartAsync(scratch, config, port))
        {
            await first.StopAsync();
        }

        var variants = new List<Variant> { new("as built", new Dictionary<string, string>()) };
        if (!args.Smoke)
        {
            variants.AddRange(
            [
                new("DOTNET_gcServer=1 (server GC, DATAS)", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" }),
                new("DOTNET_gcServer=0 (workstation GC)", new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }),
                new("DOTNET_gcServer=0, DOTNET_gcConcurrent=0", new Dictionary<string, string> { ["DOTNET_gcServer"] = "0", ["DOTNET_gcConcurrent"] = "0" }),
                new("DOTNET_gcServer=1, DOTNET_GCHeapHardLimit=64 MiB", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_GCHeapHardLimit"] = "0x4000000" }),
                new("DOTNET_TieredPGO=0", new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0" }),
                new("DOTNET_TieredCompilation=0 (fully optimised JIT at once)", new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" }),
                new("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 (no ICU)", new Dictionary<string, string> { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" }),
            ]);
            if (!args.Flag("--no-r2r"))
            {
                var jit = await PublishAsync(scratch, readyToRun: false);
                var r2r = await PublishAsync(scratch, readyToRun: true);
                variants.Add(new("publish -r linux-x64 (JIT, for comparison)", new Dictionary<string, string>(), jit));
                variants.Add(new("publish -r linux-x64 -p:PublishReadyToRun=true", new Dictionary<string, string>(), r2r));
            }
        }

        var results = new List<(Variant Variant, List<Sample> Samples)>();
        foreach (var variant in variants)
        {
            var samples = new List<Sample>();
            for (var i = 0; i < starts; i++)
            {
                samples.Add(await MeasureAsync(scratch, config, port, variant));
            }
            results.Add((variant, samples));
        }

        report.Table(["variant", "READY=1 after", "CPU until READY", "RSS at READY", $"RSS after {Idle.TotalSeconds:F0} s idle (anonymous part)", "RSS after full GC", "all READY times"],
            results.Select(result => (IReadOnlyList<string>)
            [
                result.Variant.Name,
                Stats.Ms(Stats.Median(result.Samples.Select(s => s.ReadySeconds * 1000).ToList())),
                Stats.Ms(Stats.Median(result.Samples.Select(s => s.CpuToReadyMs).ToList())),
                Stats.MiB((long)Stats.Median(result.Samples.Select(s => (double)s.RssAtReadyKiB).ToList())),
                $"{Stats.MiB((long)Stats.Median(result.Samples.Select(s => (double)s.RssIdleKiB).ToList()))} ({Stats.MiB((long)Stats.Median(result.Samples.Select(s => (double)s.RssAnonIdleKiB).ToList()))})",
                Stats.MiB((long)Stats.Median(result.Samples.Select(s => (double)s.RssAfterGcKiB).ToList())),
                string.Join(" ", result.Samples.Select(s => Stats.Ms(s.ReadySeconds * 1000))),
            ]));
        report.Line("- RSS with 50 open consoles: measured by the console bridge benchmark (bench/VmManager.Bench, section \"Console bridge\"), not here");

        var built = results[0].Samples;
        var command = args.CommandFor("footprint", $"--starts {starts}");
        report.Add(new SummaryRow("footprint", "RSS idle after a full GC (as built)", Stats.MiB((long)Stats.Median(built.Select(s => (double)s.RssAfterGcKiB).ToList())), "–", "–", "< 120 MiB", command));
        report.Add(new SummaryRow("footprint", "process start → READY=1 (as built)", Stats.Ms(Stats.Median(built.Select(s => s.ReadySeconds * 1000).ToList())), "–", "–", "< 2 s", command));
        report.Add(new SummaryRow("footprint", "CPU used until READY=1 (as built)", Stats.Ms(Stats.Median(built.Select(s => s.CpuToReadyMs).ToList())), "–", "–", "–", command));
        report.Add(new SummaryRow("footprint", "RSS with 50 open consoles", "see section \"Console bridge\" (bench/VmManager.Bench)", "websockify ×50", "–", "–",
            "dotnet run -c Release --project bench/VmManager.Bench -- --consoles 50"));
    }

    private static async Task<Sample> MeasureAsync(Scratch scratch, string[] config, int port, Variant variant)
    {
        using var daemon = await DaemonUnderTest.StartAsync(scratch, config, port, variant.Environment, variant.Binary);
        var atReady = daemon.RssKiB;
        await Task.Delay(Idle);
        var (idle, idleAnon) = (daemon.RssKiB, daemon.RssAnonKiB);
        await DiagnosticsIpc.InduceFullGcAsync(daemon.Pid);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var afterGc = daemon.RssKiB;
        var exit = await daemon.StopAsync();
        return exit == 0
            ? new Sample(daemon.ReadyAfter!.Value.TotalSeconds, daemon.CpuAtReadyMs!.Value, atReady, idle, idleAnon, afterGc)
            : throw new InvalidOperationException($"vm-manager ({variant.Name}) exited {exit}:\n{daemon.Log}");
    }

    /// <summary>A framework-dependent publish for linux-x64 into the scratch folder (its own artifacts: the worktree's obj/ is untouched).</summary>
    private async Task<string> PublishAsync(Scratch scratch, bool readyToRun)
    {
        var name = readyToRun ? "r2r" : "jit";
        var output = Path.Combine(scratch.Path, "publish-" + name);
        var result = await Shell.RunAsync("dotnet",
            ["publish", Paths.DaemonProject, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", $"-p:PublishReadyToRun={readyToRun}",
             "--artifacts-path", Path.Combine(scratch.Path, "artifacts-" + name), "-o", output, "-nologo"],
            timeout: TimeSpan.FromMinutes(15));
        result.OrThrow($"dotnet publish ({name})");
        report.Line($"- published {name} in {Stats.Seconds(result.Elapsed.TotalSeconds)}: {Directory.EnumerateFiles(output).Sum(f => new FileInfo(f).Length) / 1024 / 1024} MiB");
        return Path.Combine(output, "vm-manager");
    }
}
