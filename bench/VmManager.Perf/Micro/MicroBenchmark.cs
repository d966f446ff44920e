using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using VmManager.Perf.Harness;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Perf.Micro;

/// <summary>BenchmarkDotNet over <see cref="ListPathBenchmarks"/>, in-process (no generated project to build on a 2-core machine).</summary>
public sealed class MicroBenchmark(PerfArguments args, Report report)
{
    public Task RunAsync()
    {
        report.Heading("## Micro: the pieces of the list call (BenchmarkDotNet 0.14.0, in-process)");
        using var scratch = new Scratch("micro");
        var job = (args.Smoke ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(NullLogger.Instance)
            .WithArtifactsPath(scratch.Path)
            // The smoke test runs the Debug build; the numbers that count come from -c Release.
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summary = BenchmarkRunner.Run<ListPathBenchmarks>(config);
        report.Line($"- job: {(args.Smoke ? "Dry (one iteration, smoke)" : "ShortRun (3 warm-ups, 3 iterations)")}; build: {Repository.Configuration}; load average {HostInfo.LoadText()}");
        report.Table(["piece", "VMs", "mean", "allocated"],
            summary.Reports.Select(result => (IReadOnlyList<string>)
            [
                result.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
                result.BenchmarkCase.Parameters["Machines"]?.ToString() ?? "?",
                result.ResultStatistics is { } statistics ? Stats.Ms(statistics.Mean / 1e6) : "failed",
                result.GcStats.GetBytesAllocatedPerOperation(result.BenchmarkCase) is { } bytes ? $"{(bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture)} KiB" : "–",
            ]));
        var failed = summary.Reports.Count(result => result.ResultStatistics is null);
        if (failed > 0 || summary.HasCriticalValidationErrors)
        {
            throw new InvalidOperationException($"BenchmarkDotNet: {failed} benchmark(s) produced no result; {string.Join("; ", summary.ValidationErrors.Select(e => e.Message))}");
        }
        var at200 = summary.Reports.Where(result => Equals(result.BenchmarkCase.Parameters["Machines"], 200)).Sum(result => result.ResultStatistics!.Mean) / 1e6;
        if (at200 > 0)
        {
            report.Add(new SummaryRow("micro", "list call's SQLite + JSON in-process, 200 VMs", Stats.Ms(at200), "–", "–", "–", args.CommandFor("micro")));
        }
        return Task.CompletedTask;
    }
}
