using System.Diagnostics;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Bench;

/// <summary>
/// Runs each daemon benchmark (bench/VmManager.Perf) in its seconds-long smoke mode against the rig, with a
/// fake vagrant and small sizes, so the benchmarks keep working. No timing is asserted: only that every
/// measure was produced, nothing failed and nothing was left behind.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class PerfSmokeTests(RigFixture rig)
{
    private const string Number = @"\d+(\.\d+)? (ms|s)";

    [Fact]
    public async Task Storm_SmokeMode_EveryCreateAcceptedRunningAndDeletedWithNothingLeft()
    {
        var output = await RunAsync("storm");

        Assert.Matches($@"\| vm-manager \| 2 \| \d+ \| {Number} / {Number} \| {Number} / {Number} \| {Number} / {Number} \|", output);
        Assert.Matches(@"\| vagrant up, sequential \| 2 \|", output);
        Assert.Contains("| storm | N=2: failures / left over after delete | 0 / 0 | 0 / 0 |", output);
        Assert.Matches(@"CPU busy \d+ % of \d+ %", output);
    }

    [Fact]
    public async Task List_SmokeMode_MeasuresBothVariantsAndBothKindsOfEvents()
    {
        var output = await RunAsync("list");

        Assert.Matches($@"\| list \| GET /api/vms\?scope=all, 20 VMs: p99 \| {Number} \| {Number} \|", output);
        Assert.Matches($@"\| job ends \(start/force-off\) \| {Number} \|", output);
        Assert.Matches($@"\| outside the daemon \(polled every \d+ s\) \| {Number} \|", output);
        Assert.Contains("- left over: nothing", output);
    }

    [Fact]
    public async Task Footprint_SmokeMode_ReportsReadyTimeAndIdleMemory()
    {
        var output = await RunAsync("footprint");

        Assert.Matches($@"\| as built \| {Number} \| {Number} \| [\d.]+ MiB \| [\d.]+ MiB \([\d.]+ MiB\) \| [\d.]+ MiB \|", output);
        Assert.Contains("| footprint | RSS with 50 open consoles | see section \"Console bridge\"", output);
    }

    [Fact]
    public async Task Console_SmokeMode_ReachesTheFirstFramebufferBothWays()
    {
        var output = await RunAsync("console");

        Assert.Matches($@"\| click → VNC answers \| {Number} \|", output);
        Assert.Matches($@"\| total → first framebuffer \| {Number} \|", output);
        Assert.Matches($@"\| console \| click → console offered by the API \(during the create\) \| {Number} \| {Number} \(offered once running\) \|", output);
        Assert.Matches($@"\| console \| linked clone → first framebuffer \(prototype, template XML\) \| {Number} \| {Number} \(via vagrant\) \| [\d.]+× \|", output);
    }

    [Fact]
    public async Task Micro_SmokeMode_RunsEveryPieceThroughBenchmarkDotNet()
    {
        var output = await RunAsync("micro");

        Assert.Matches($@"\| SQLite: live VMs \(ListLive\) \| 200 \| {Number} \|", output);
        Assert.Matches($@"\| JSON of the answer \| 200 \| {Number} \|", output);
    }

    private async Task<string> RunAsync(string benchmark)
    {
        _ = rig.Env;
        var binary = Path.Combine(Repository.Root, "bench", "VmManager.Perf", "bin", Repository.Configuration, "net10.0", "VmManager.Perf");
        var start = new ProcessStartInfo(binary, [benchmark, "--smoke"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await error}");
        Assert.EndsWith("OK", output.Trim());
        return output;
    }
}
