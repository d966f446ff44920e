using System.Diagnostics;
using VmManager.Daemon.Machines;
using VmManager.Perf.Harness;

namespace VmManager.Perf.Listing;

/// <summary>
/// GET /api/vms?scope=all as an admin with many VMs and users in the database and the runtime cache warm,
/// against a baseline that asks libvirt on every request as the predecessor did (one `virsh list --all`,
/// then the same answer); and the event stream: how long a state change takes to reach a browser.
/// </summary>
public sealed class ListLatencyBenchmark(PerfArguments args, Report report)
{
    private const string AdminName = "perf-admin";
    private const string AdminPassword = "Perf-Watcher-Pw1";

    public async Task RunAsync()
    {
        var machineCount = args.Int("--vms", 200, 20);
        var userCount = args.Int("--users", 100, 10);
        var runningCount = args.Int("--running", 10, 2);
        var requests = args.Int("--requests", 500, 30);
        var changes = args.Int("--changes", 20, 2);
        var outOfBand = args.Int("--out-of-band", 5, 1);
        report.Heading($"## List latency: {machineCount} VMs ({runningCount} running), {userCount} users");
        report.Line($"- load average at start: {HostInfo.LoadText()}");

        using var scratch = new Scratch("list");
        var port = DaemonUnderTest.FreePort();
        var config = DaemonUnderTest.WriteConfig(scratch, port);
        (await DaemonUnderTest.CliAsync(config, ["users", "add", AdminName, "--role", "admin"], AdminPassword + "\n")).OrThrow("users add admin");
        var seed = ListSeed.Insert(Path.Combine(scratch.Path, "data"), Path.Combine(scratch.Path, "student_vms"), DaemonUnderTest.NamingOf(scratch), machineCount, userCount, runningCount);
        var domains = seed.Machines.Select(machine => machine.DomainName).ToList();
        var running = seed.Machines.Where(machine => machine.State == MachineStates.Running).Select(machine => machine.DomainName).ToList();
        try
        {
            var defining = Stopwatch.StartNew();
            await DisklessDomains.DefineAsync(scratch, domains, running);
            report.Line($"- {machineCount} rows inserted and {machineCount} diskless domains defined ({runningCount} started) in {Stats.Seconds(defining.Elapsed.TotalSeconds)}");

            using var daemon = await DaemonUnderTest.StartAsync(scratch, config, port);
            using var admin = new ApiSession(daemon.Url);
            await admin.LoginAsync(AdminName, AdminPassword);
            var warm = await WaitForWarmCacheAsync(admin, seed, runningCount);
            report.Line($"- runtime cache warm {Stats.Seconds(warm)} after READY=1 (every running VM listed with its CPU time and console)");

            var (before, clientBefore) = (Schedule.Of(daemon.Pid), Schedule.Of(Environment.ProcessId));
            var (ours, baseline, bytes) = await ListAsync(admin, requests);
            var (after, clientAfter) = (Schedule.Of(daemon.Pid), Schedule.Of(Environment.ProcessId));
            var perRequest = (Cpu: (after.CpuMs - before.CpuMs) / (2 * requests), Wait: (after.WaitMs - before.WaitMs) / (2 * requests),
                ClientWait: (clientAfter.WaitMs - clientBefore.WaitMs) / (2 * requests));
            report.Line($"- {requests} requests each way, interleaved, one at a time, after 20 warm-up requests; answer {bytes / 1024.0:F0} KiB of JSON");
            report.Line($"- baseline: per request one `virsh list --all` process (the predecessor asked libvirt on every request), then the same GET; "
                + "the cheapest honest per-request variant (a `virsh domstate` per VM would cost one process per VM)");
            report.Line($"- inside vm-manager, per GET (both variants' GETs, from /proc/PID/task/*/schedstat): {Stats.Ms(perRequest.Cpu)} on a CPU, "
                + $"{Stats.Ms(perRequest.Wait)} ready but waiting for a core; this client waited {Stats.Ms(perRequest.ClientWait)} more (load average now {HostInfo.LoadText()})");
            report.Table(["variant", "p50", "p90", "p99", "max"],
            [
                ["vm-manager (runtime cache)", Stats.Ms(Stats.Median(ours)), Stats.Ms(Stats.Percentile(ours, 90)), Stats.Ms(Stats.Percentile(ours, 99)), Stats.Ms(ours.Max())],
                ["virsh per request", Stats.Ms(Stats.Median(baseline)), Stats.Ms(Stats.Percentile(baseline, 90)), Stats.Ms(Stats.Percentile(baseline, 99)), Stats.Ms(baseline.Max())],
            ]);

            var (jobEvents, guestEvents) = await EventLatencyAsync(admin, seed, changes, outOfBand);
            report.Line($"- event stream: {jobEvents.Count} job-driven state changes (admin start / force-off of a stopped VM): job finished_at → event arrived; "
                + $"{guestEvents.Count} changes made outside the daemon (virsh destroy, as a guest powering off): virsh returned → event arrived");
            report.Table(["state change", "p50", "p99", "max"],
            [
                ["job ends (start/force-off)", Stats.Ms(Stats.Median(jobEvents)), Stats.Ms(Stats.Percentile(jobEvents, 99)), Stats.Ms(jobEvents.DefaultIfEmpty(double.NaN).Max())],
                [$"outside the daemon (polled every {new MachinesOptions().StateRefreshSeconds} s)", Stats.Ms(Stats.Median(guestEvents)), Stats.Ms(Stats.Percentile(guestEvents, 99)), Stats.Ms(guestEvents.DefaultIfEmpty(double.NaN).Max())],
            ]);
            report.Line($"- vm-manager RSS after the run: {Stats.MiB(daemon.RssKiB)}");

            var command = args.CommandFor("list", $"--vms {machineCount} --users {userCount} --requests {requests}");
            report.Add(new SummaryRow("list", $"GET /api/vms?scope=all, {machineCount} VMs: p50", Stats.Ms(Stats.Median(ours)), Stats.Ms(Stats.Median(baseline)),
                Stats.Ratio(Stats.Median(baseline) / Stats.Median(ours)), "–", command));
            report.Add(new SummaryRow("list", $"GET /api/vms?scope=all, {machineCount} VMs: p99", Stats.Ms(Stats.Percentile(ours, 99)), Stats.Ms(Stats.Percentile(baseline, 99)),
                Stats.Ratio(Stats.Percentile(baseline, 99) / Stats.Percentile(ours, 99)), "< 20 ms", command));
            report.Add(new SummaryRow("list", "SSE: job state change → event, p50 / p99", $"{Stats.Ms(Stats.Median(jobEvents))} / {Stats.Ms(Stats.Percentile(jobEvents, 99))}", "–", "–", "–", command));
            report.Add(new SummaryRow("list", "SSE: change outside the daemon → event, p50 / p99", $"{Stats.Ms(Stats.Median(guestEvents))} / {Stats.Ms(Stats.Percentile(guestEvents, 99))}", "–", "–",
                $"≤ StateRefreshSeconds ({new MachinesOptions().StateRefreshSeconds} s)", command));
            var exit = await daemon.StopAsync();
            if (exit != 0)
            {
                throw new InvalidOperationException($"vm-manager exited {exit}:\n{daemon.Log}");
            }
        }
        finally
        {
            await DisklessDomains.RemoveAsync(domains);
        }
        var left = await Leftovers.FindAsync(domains, []);
        report.Line($"- left over: {(left.Count == 0 ? "nothing" : string.Join(", ", left))}");
    }

    private static async Task<double> WaitForWarmCacheAsync(ApiSession admin, ListSeed seed, int runningCount)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var machines = await admin.MachinesAsync(all: true);
            if (machines.Count == seed.Machines.Count && machines.Count(m => m.State == MachineStates.Running && m.ConsoleAvailable && m.CpuSeconds is not null) == runningCount)
            {
                return clock.Elapsed.TotalSeconds;
            }
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"runtime cache not warm after 2 min: {machines.Count} VMs listed, {machines.Count(m => m.ConsoleAvailable)} with a console");
            }
            await Task.Delay(250);
        }
    }

    private static async Task<(List<double> Ours, List<double> Baseline, int Bytes)> ListAsync(ApiSession admin, int requests)
    {
        for (var i = 0; i < 20; i++)
        {
            await admin.ListAsync(all: true);
        }
        var ours = new List<double>();
        var baseline = new List<double>();
        var bytes = 0;
        for (var i = 0; i < requests; i++)
        {
            var answer = await admin.ListAsync(all: true);
            ours.Add(answer.Milliseconds);
            bytes = answer.Value;
            var clock = Stopwatch.StartNew();
            (await Shell.VirshAsync("list", "--all")).OrThrow("virsh list");
            await admin.ListAsync(all: true);
            baseline.Add(clock.Elapsed.TotalMilliseconds);
        }
        return (ours, baseline, bytes);
    }

    private static async Task<(List<double> JobEvents, List<double> GuestEvents)> EventLatencyAsync(ApiSession admin, ListSeed seed, int changes, int outOfBand)
    {
        await using var events = await EventStream.OpenAsync(admin);
        var runningOwners = seed.Machines.Where(m => m.State == MachineStates.Running).Select(m => m.Owner).ToHashSet();
        var target = seed.Machines.First(m => m.State == MachineStates.Stopped && !runningOwners.Contains(m.Owner));

        // The first change also proves the stream is subscribed (the daemon sends headers with the first event).
        var jobEvents = new List<double>();
        for (var i = -1; i < changes; i++)
        {
            var action = i % 2 == 0 ? "force-off" : "start";
            var job = await admin.ActAsync(target.Id, action);
            var done = await admin.WaitForJobAsync(job.Id, TimeSpan.FromMinutes(1));
            var expected = action == "start" ? MachineStates.Running : MachineStates.Stopped;
            var arrived = await events.WaitForAsync(c => c.JobId == job.Id && c.Step is null && c.State == expected, TimeSpan.FromSeconds(30));
            if (i >= 0)
            {
                jobEvents.Add((arrived.At - done.FinishedAt!.Value).TotalMilliseconds);
            }
        }

        // The target is running now (an even number of changes after the first start): power it off behind the daemon's back.
        var guestEvents = new List<double>();
        var runningTarget = changes % 2 == 0;
        for (var i = 0; i < outOfBand; i++)
        {
            if (!runningTarget)
            {
                var start = await admin.ActAsync(target.Id, "start");
                await admin.WaitForJobAsync(start.Id, TimeSpan.FromMinutes(1));
            }
            var seen = events.Events.Count;
            (await Shell.VirshAsync("destroy", target.DomainName)).OrThrow("virsh destroy");
            var changedAt = DateTimeOffset.UtcNow;
            var arrived = await events.WaitForAsync(c => c.MachineId == target.Id && c.State == MachineStates.Stopped && c.JobId is null, TimeSpan.FromSeconds(30), after: seen);
            guestEvents.Add((arrived.At - changedAt).TotalMilliseconds);
            runningTarget = false;
        }
        return (jobEvents, guestEvents);
    }
}
