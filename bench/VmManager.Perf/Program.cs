using VmManager.Perf.Footprint;
using VmManager.Perf.Harness;
using VmManager.Perf.Listing;
using VmManager.Perf.Micro;
using VmManager.Perf.Storm;
using VmManager.Perf.TimeToConsole;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Perf;

// Daemon benchmarks against the real rig (see bench/README.md, section "Daemon"):
//   VmManager.Perf storm|list|footprint|console|all [--smoke] [options]
//   VmManager.Perf micro                 (BenchmarkDotNet, in-process: the pieces of the list call)
// --smoke runs each in seconds with a fake vagrant and small sizes; a test runs it so nothing rots.
public static class PerfProgram
{
    private static readonly string[] All = ["micro", "footprint", "list", "console", "storm"];

    public static async Task<int> Main(string[] argv)
    {
        var args = new PerfArguments(argv);
        var report = new Report(Console.Out);
        var benchmarks = args.Benchmarks.Count == 0 || args.Benchmarks.Contains("all") ? All : args.Benchmarks.ToArray();
        report.Line($"# Daemon benchmarks ({(args.Smoke ? "smoke" : "full")} run: {string.Join(", ", benchmarks)})");
        report.Line("");
        report.Line($"- machine: {HostInfo.Describe()}");
        report.Line($"- daemon: {Repository.DaemonBinary}");
        report.Line($"- started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        foreach (var benchmark in benchmarks)
        {
            switch (benchmark)
            {
                case "micro":
                    await new MicroBenchmark(args, report).RunAsync();
                    break;
                case "console":
                    await new TimeToConsoleBenchmark(args, report).RunAsync();
                    break;
                case "footprint":
                    await new FootprintBenchmark(args, report).RunAsync();
                    break;
                case "list":
                    await new ListLatencyBenchmark(args, report).RunAsync();
                    break;
                case "storm":
                    await new StormBenchmark(args, report).RunAsync();
                    break;
                default:
                    Console.Error.WriteLine($"unknown benchmark '{benchmark}' (storm, list, footprint, console, all, micro)");
                    return 64;
            }
        }
        report.WriteSummary();
        report.Line($"- load average at the end: {HostInfo.LoadText()}");
        report.Line("");
        report.Line("OK");
        return 0;
    }
}
