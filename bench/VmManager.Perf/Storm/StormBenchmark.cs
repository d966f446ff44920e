using System.Globalization;
using System.Net;
using VmManager.Daemon.Machines;
using VmManager.Perf.Harness;

namespace VmManager.Perf.Storm;

/// <summary>
/// A class starts: N students log in and create a VM of the tiny template at the same moment, against
/// the real rig and the built daemon; then every VM is deleted and nothing may be left. Compared with the
/// naive design: vagrant up run in N folders one after the other (<see cref="SequentialBaseline"/>).
/// </summary>
public sealed class StormBenchmark(PerfArguments args, Report report)
{
    private const string StudentPassword = "Perf-Class-Start-1";
    private const string AdminName = "perf-admin";
    private const string AdminPassword = "Perf-Watcher-Pw1";
    private static readonly TimeSpan StormTimeout = TimeSpan.FromMinutes(30);

    public async Task RunAsync()
    {
        var sizes = args.Ints("--n", [10, 30], [2]);
        var defaultConcurrency = new MachinesOptions().MaxConcurrentOperations;
        var sweep = args.Ints("--concurrency", [1, 2, 3, 4], [defaultConcurrency]);
        report.Heading("## Storm: N students log in and create a VM at the same moment");
        report.Line($"- vagrant: {(args.Smoke ? "FAKE (defines and starts a diskless domain: checks the plumbing, not vagrant)" : "real (vagrant-libvirt, tiny box, TCG)")}");
        report.Line($"- Machines:MaxConcurrentOperations swept over {string.Join(", ", sweep)} at N = {sizes[0]}; other N use the sweep's fastest (the built default is {defaultConcurrency})");
        report.Line($"- load average at start: {HostInfo.LoadText()}");

        var runs = new List<StormRun>();
        string? vagrantfile = null;
        foreach (var size in sizes)
        {
            // After the sweep, the other sizes run with its winner (fewest seconds until all VMs run, no failure).
            var best = runs.Where(run => run.Concurrency is not null && run.Failures == 0).MinBy(run => run.AllRunningSeconds)?.Concurrency ?? defaultConcurrency;
            foreach (var concurrency in size == sizes[0] ? sweep : [best])
            {
                var (run, rendered) = await StormAsync(size, concurrency);
                runs.Add(run);
                vagrantfile ??= rendered;
            }
            if (!args.Flag("--no-baseline") && vagrantfile is not null)
            {
                runs.Add(await new SequentialBaseline(args.Smoke).RunAsync(size, vagrantfile));
            }
        }

        report.Heading("### Results");
        report.Table(
            ["run", "N", "max. concurrent ops", "login p50 / p99", "create call p50 / p99", "VM running after: p50 / all", "queue wait p50 / p99", "vagrant up (per VM) p50", "failures", "delete all", "left over", "FIFO"],
            runs.Select(run => (IReadOnlyList<string>)
            [
                run.Label, run.Students.ToString(CultureInfo.InvariantCulture), run.Concurrency?.ToString(CultureInfo.InvariantCulture) ?? "1 (sequential)",
                $"{Stats.Ms(Stats.Median(run.LoginMs))} / {Stats.Ms(Stats.Percentile(run.LoginMs, 99))}",
                $"{Stats.Ms(Stats.Median(run.CreateMs))} / {Stats.Ms(Stats.Percentile(run.CreateMs, 99))}",
                $"{Stats.Seconds(Stats.Median(run.RunningAfterSeconds))} / {Stats.Seconds(run.AllRunningSeconds)}",
                $"{Stats.Seconds(Stats.Median(run.QueueWaitSeconds))} / {Stats.Seconds(Stats.Percentile(run.QueueWaitSeconds, 99))}",
                Stats.Seconds(Stats.Median(run.OperationSeconds)),
                run.Failures == 0 ? "0" : $"{run.Failures}: {run.FailureText}",
                Stats.Seconds(run.DeleteAllSeconds),
                run.LeftOver.ToString(CultureInfo.InvariantCulture),
                run.StartedInRequestOrder ? "yes" : "no",
            ]));
        report.Heading("### Where the CPU went (100 % = one core)");
        foreach (var run in runs)
        {
            report.Line($"- {run.Label}, N = {run.Students}, concurrency {run.Concurrency?.ToString(CultureInfo.InvariantCulture) ?? "1"}: {run.Cpu}");
        }

        foreach (var size in sizes)
        {
            var ours = runs.Where(run => run.Students == size && run.Concurrency is not null).ToList();
            var best = ours.Where(run => run.Failures == 0).MinBy(run => run.AllRunningSeconds) ?? ours[0];
            var chosen = best;
            var baseline = runs.FirstOrDefault(run => run.Students == size && run.Concurrency is null);
            var command = args.CommandFor("storm", $"--n {size}" + (size == sizes[0] && sweep.Count > 1 ? $" --concurrency {string.Join(',', sweep)}" : ""));
            report.Add(new SummaryRow("storm", $"N={size}: create call p99 (202)", Stats.Ms(Stats.Percentile(chosen.CreateMs, 99)),
                baseline is null ? "–" : Stats.Ms(Stats.Percentile(baseline.CreateMs, 99)) + " (blocks on vagrant)",
                baseline is null ? "–" : Stats.Ratio(Stats.Percentile(baseline.CreateMs, 99) / Stats.Percentile(chosen.CreateMs, 99)), "202 without waiting for vagrant", command));
            report.Add(new SummaryRow("storm", $"N={size}: all VMs running (concurrency {chosen.Concurrency})", Stats.Seconds(chosen.AllRunningSeconds),
                baseline is null ? "–" : Stats.Seconds(baseline.AllRunningSeconds),
                baseline is null ? "–" : Stats.Ratio(baseline.AllRunningSeconds / chosen.AllRunningSeconds), "–", command));
            report.Add(new SummaryRow("storm", $"N={size}: failures / left over after delete", $"{chosen.Failures} / {chosen.LeftOver}",
                baseline is null ? "–" : $"{baseline.Failures} / {baseline.LeftOver}", "–", "0 / 0", command));
            if (ours.Count > 1)
            {
                report.Line($"- N = {size}: fastest to all-running was concurrency {best.Concurrency} ({Stats.Seconds(best.AllRunningSeconds)}); "
                    + string.Join(", ", ours.Select(run => $"{run.Concurrency}: {Stats.Seconds(run.AllRunningSeconds)}")));
            }
        }
    }

    private async Task<(StormRun Run, string? Vagrantfile)> StormAsync(int students, int concurrency)
    {
        using var scratch = new Scratch("storm");
        var port = DaemonUnderTest.FreePort();
        var settings = new Dictionary<string, object> { ["Machines:MaxConcurrentOperations"] = concurrency };
        if (args.Smoke)
        {
            settings["Hypervisor:VagrantPath"] = FakeVagrant.WriteTo(scratch);
        }
        var config = DaemonUnderTest.WriteConfig(scratch, port, settings);
        var names = Enumerable.Range(1, students).Select(i => $"perf-s{i:D2}").ToList();
        var accounts = System.Diagnostics.Stopwatch.StartNew();
        foreach (var name in names)
        {
            (await DaemonUnderTest.CliAsync(config, ["users", "add", name, "--role", "student"], StudentPassword + "\n")).OrThrow($"users add {name}");
        }
        report.Line($"- N = {students}, concurrency {concurrency}: {students} accounts made with `vm-manager users add` in {Stats.Seconds(accounts.Elapsed.TotalSeconds)}");
        (await DaemonUnderTest.CliAsync(config, ["users", "add", AdminName, "--role", "admin"], AdminPassword + "\n")).OrThrow("users add admin");

        using var daemon = await DaemonUnderTest.StartAsync(scratch, config, port);
        using var admin = new ApiSession(daemon.Url);
        await admin.LoginAsync(AdminName, AdminPassword);
        await using var events = await EventStream.OpenAsync(admin);
        var sessions = names.Select(_ => new ApiSession(daemon.Url)).ToList();
        try
        {
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var clicks = names.Select(async (name, i) =>
            {
                await go.Task;
                var login = await sessions[i].LoginAsync(name, StudentPassword);
                var create = await sessions[i].CreateAsync($"tp-{i + 1}");
                return (Login: login, Create: create);
            }).ToList();

            await using var sampler = new CpuSampler(new Dictionary<string, int> { ["vm-manager"] = daemon.Pid });
            var startedAt = DateTimeOffset.UtcNow;
            go.SetResult();
            var results = await Task.WhenAll(clicks);
            var accepted = results.Where(r => r.Create.Status == HttpStatusCode.Accepted).Select(r => r.Create.Value!).ToList();
            var failures = results.Where(r => r.Create.Status != HttpStatusCode.Accepted).Select(r => $"create answered {(int)r.Create.Status}").ToList();

            var ended = await WaitForEndAsync(admin, events, accepted.Select(a => a.Machine.Id).ToList());
            var cpu = await sampler.StopAsync();
            var jobs = new List<JobView>();
            foreach (var created in accepted)
            {
                jobs.Add(await admin.JobAsync(created.Job.Id));
            }
            failures.AddRange(jobs.Where(job => job.State != JobStates.Succeeded).Select(job => $"job {job.Id}: {job.Error}"));
            if (jobs.FirstOrDefault(job => job.State != JobStates.Succeeded) is { } failed)
            {
                // The lines before the first Ruby backtrace line say what failed.
                var log = (await admin.LogAsync(failed.MachineId)).Split('\n');
                var trace = Array.FindIndex(log, line => line.TrimStart().StartsWith("from /", StringComparison.Ordinal));
                report.Line($"- first failed job ({failed.Id}), its log around the error:");
                report.Line("```");
                report.Line(string.Join('\n', trace < 0 ? log.TakeLast(25) : log.Skip(Math.Max(0, trace - 12)).Take(14)));
                report.Line("```");
            }

            var first = accepted.FirstOrDefault();
            var vagrantfilePath = first is null ? null : Path.Combine(scratch.Path, "student_vms", names[0], first.Machine.Id, "Vagrantfile");
            var vagrantfile = vagrantfilePath is not null && File.Exists(vagrantfilePath) ? await File.ReadAllTextAsync(vagrantfilePath) : null;

            var (deleteSeconds, leftOver) = await DeleteAllAsync(sessions, admin, accepted, scratch);
            var byStart = jobs.Where(job => job.StartedAt is not null).OrderBy(job => job.StartedAt).Select(job => job.Id).ToList();
            var run = new StormRun(
                "vm-manager",
                students,
                concurrency,
                results.Select(r => r.Login).ToList(),
                results.Select(r => r.Create.Milliseconds).ToList(),
                ended.Where(pair => pair.Value.State == MachineStates.Running).Select(pair => (pair.Value.At - startedAt).TotalSeconds).ToList(),
                jobs.Where(job => job.StartedAt is not null).Select(job => (job.StartedAt!.Value - job.CreatedAt).TotalSeconds).ToList(),
                jobs.Where(job => job is { StartedAt: not null, FinishedAt: not null }).Select(job => (job.FinishedAt!.Value - job.StartedAt!.Value).TotalSeconds).ToList(),
                failures.Count,
                string.Join("; ", failures.Distinct().Take(3)),
                deleteSeconds,
                leftOver,
                byStart.SequenceEqual(byStart.Order()),
                cpu.Describe());
            var exit = await daemon.StopAsync();
            return exit == 0 ? (run, vagrantfile) : throw new InvalidOperationException($"vm-manager exited {exit}:\n{daemon.Log}");
        }
        finally
        {
            sessions.ForEach(session => session.Dispose());
        }
    }

    /// <summary>Each VM's first running (or failed) state, from the admin's event stream, with a slow poll as a safety net.</summary>
    private static async Task<Dictionary<string, (string State, DateTimeOffset At)>> WaitForEndAsync(ApiSession admin, EventStream events, IReadOnlyList<string> ids)
    {
        var ended = new Dictionary<string, (string State, DateTimeOffset At)>();
        var deadline = DateTime.UtcNow + StormTimeout;
        var nextPoll = DateTime.UtcNow.AddSeconds(5);
        while (ended.Count < ids.Count)
        {
            foreach (var arrived in events.Events.Where(e => e.Change.State is MachineStates.Running or MachineStates.Failed && e.Change.Step is null))
            {
                if (ids.Contains(arrived.Change.MachineId) && !ended.ContainsKey(arrived.Change.MachineId))
                {
                    ended[arrived.Change.MachineId] = (arrived.Change.State, arrived.At);
                }
            }
            if (DateTime.UtcNow > nextPoll)
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var machine in await admin.MachinesAsync(all: true))
                {
                    if (ids.Contains(machine.Id) && machine.Job is null && machine.State is MachineStates.Running or MachineStates.Failed)
                    {
                        ended.TryAdd(machine.Id, (machine.State, now));
                    }
                }
                nextPoll = DateTime.UtcNow.AddSeconds(5);
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{ids.Count - ended.Count} VM(s) neither running nor failed after {StormTimeout}");
            }
            await Task.Delay(50);
        }
        return ended;
    }

    /// <summary>Every student deletes their VM at once; then libvirt, the pool and the folders are checked.</summary>
    private static async Task<(double Seconds, int LeftOver)> DeleteAllAsync(List<ApiSession> sessions, ApiSession admin, List<Accepted> accepted, Scratch scratch)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var owners = sessions.ToDictionary(session => session.UserName);
        var deletes = await Task.WhenAll(accepted.Select(created => owners[created.Machine.Owner].DeleteAsync(created.Machine.Id)));
        foreach (var job in deletes)
        {
            var done = await admin.WaitForJobAsync(job.Id, StormTimeout);
            if (done.State != JobStates.Succeeded)
            {
                throw new InvalidOperationException($"delete job {done.Id} failed: {done.Error}");
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var left = await Leftovers.FindAsync(
            accepted.Select(created => DaemonUnderTest.NamingOf(scratch).DomainNameFor(created.Machine.Id)),
            accepted.Select(created => Path.Combine(scratch.Path, "student_vms", created.Machine.Owner, created.Machine.Id)));
        if (left.Count > 0)
        {
            Console.Error.WriteLine($"left over after the storm: {string.Join(", ", left)}");
        }
        return (seconds, left.Count);
    }
}
