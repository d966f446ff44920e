using System.Diagnostics;
using System.Globalization;
using VmManager.Daemon.Machines;
using VmManager.Perf.Harness;

namespace VmManager.Perf.TimeToConsole;

/// <summary>
/// From the create click to the guest's screen: POST /api/vms, then the step timeline from the event
/// stream (the job log has the steps but no times), the job's own times, the first RFB framebuffer from
/// the domain's VNC server and the moment the API offers the console. Then the linked-clone prototype
/// in the same run, for the ratio.
/// </summary>
public sealed class TimeToConsoleBenchmark(PerfArguments args, Report report)
{
    private const string StudentName = "perf-c01";
    private const string StudentPassword = "Perf-Console-Pw1";

    private sealed record Run(
        double ApiMs,
        double QueueMs,
        double VncAnswersMs,
        double ConsoleOfferedMs,
        double RunningMs,
        IReadOnlyList<(string Step, double AtMs)> Steps,
        double JobFinishedMs);

    public async Task RunAsync()
    {
        var runs = args.Int("--runs", 3, 1);
        report.Heading("## Time to console: from the create click to the first framebuffer");
        report.Line($"- vagrant: {(args.Smoke ? "FAKE (diskless domain)" : "real")}; {runs} VM(s) one after the other on an idle queue; load average at start: {HostInfo.LoadText()}");

        using var scratch = new Scratch("console");
        var port = DaemonUnderTest.FreePort();
        var settings = new Dictionary<string, object>();
        if (args.Smoke)
        {
            settings["Hypervisor:VagrantPath"] = FakeVagrant.WriteTo(scratch);
        }
        var config = DaemonUnderTest.WriteConfig(scratch, port, settings);
        (await DaemonUnderTest.CliAsync(config, ["users", "add", StudentName, "--role", "student"], StudentPassword + "\n")).OrThrow("users add");
        using var daemon = await DaemonUnderTest.StartAsync(scratch, config, port);
        using var student = new ApiSession(daemon.Url);
        await student.LoginAsync(StudentName, StudentPassword);
        await student.WaitUntilReadyAsync();
        await using var events = await EventStream.OpenAsync(student);

        var results = new List<Run>();
        string? vagrantXml = null, backingFile = null;
        for (var i = 0; i < runs; i++)
        {
            var (run, inactiveXml, liveXml) = await CreateAndMeasureAsync(student, events, DaemonUnderTest.NamingOf(scratch), $"console-{i + 1}");
            results.Add(run);
            vagrantXml ??= inactiveXml;
            backingFile ??= liveXml is null ? null : LinkedClone.BackingFile(liveXml);
        }
        var exit = await daemon.StopAsync();
        if (exit != 0)
        {
            throw new InvalidOperationException($"vm-manager exited {exit}:\n{daemon.Log}");
        }

        var clones = await ClonesAsync(scratch, runs, vagrantXml, backingFile);
        Write(results, clones, vagrantXml is not null);
    }

    private async Task<(Run Run, string? InactiveXml, string? LiveXml)> CreateAndMeasureAsync(ApiSession student, EventStream events, DomainNaming naming, string name)
    {
        var seen = events.Events.Count;
        var click = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var created = await student.CreateAsync(name);
        var accepted = created.Value ?? throw new InvalidOperationException($"create answered {(int)created.Status}");
        var domain = naming.DomainNameFor(accepted.Machine.Id);

        // Three watchers at once: the VNC server, the API's console flag, and the end of the job.
        var vnc = Task.Run(async () =>
        {
            while (true)
            {
                if (await LinkedClone.VncPortAsync(domain, TimeSpan.FromMilliseconds(200)) is { } port && await RfbProbe.FirstFramebufferAsync(port, TimeSpan.FromSeconds(5)))
                {
                    return clock.Elapsed.TotalMilliseconds;
                }
                if (clock.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException($"{domain}: no framebuffer");
                }
            }
        });
        var offered = Task.Run(async () =>
        {
            while ((await student.MachineAsync(accepted.Machine.Id)) is not { ConsoleAvailable: true })
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException($"{name}: console never offered");
                }
                await Task.Delay(100);
            }
            return clock.Elapsed.TotalMilliseconds;
        });
        var job = await student.WaitForJobAsync(accepted.Job.Id, TimeSpan.FromMinutes(10));
        if (job.State != JobStates.Succeeded)
        {
            throw new InvalidOperationException($"create of {name} failed: {job.Error}\n{await student.LogAsync(accepted.Machine.Id)}");
        }
        var running = await events.WaitForAsync(c => c.MachineId == accepted.Machine.Id && c.State == MachineStates.Running && c.Step is null, TimeSpan.FromMinutes(1), seen);
        var (vncMs, offeredMs) = (await vnc, await offered);
        string? inactiveXml = null, liveXml = null;
        if (!args.Smoke)
        {
            inactiveXml = (await Shell.VirshAsync("dumpxml", "--inactive", domain)).OrThrow("virsh dumpxml").Output;
            liveXml = (await Shell.VirshAsync("dumpxml", domain)).OrThrow("virsh dumpxml").Output;
        }
        // The event that offers the console repeats the current step: a step counts from its first event.
        var steps = new List<(string Step, double AtMs)>();
        foreach (var (at, change) in events.Events.Skip(seen).Select(e => (e.At, e.Change)).Where(e => e.Change.MachineId == accepted.Machine.Id))
        {
            if (change.Step is { } step && (steps.Count == 0 || steps[^1].Step != step))
            {
                steps.Add((step, (at - click).TotalMilliseconds));
            }
        }

        var delete = await student.DeleteAsync(accepted.Machine.Id);
        if ((await student.WaitForJobAsync(delete.Id, TimeSpan.FromMinutes(5))).State != JobStates.Succeeded)
        {
            throw new InvalidOperationException($"delete of {name} failed");
        }
        var left = await Leftovers.FindAsync([domain], []);
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"left over: {string.Join(", ", left)}");
        }
        return (new Run(
            created.Milliseconds,
            (job.StartedAt!.Value - job.CreatedAt).TotalMilliseconds,
            vncMs,
            offeredMs,
            (running.At - click).TotalMilliseconds,
            steps,
            (job.FinishedAt!.Value - click).TotalMilliseconds), inactiveXml, liveXml);
    }

    private async Task<List<CloneTimings>> ClonesAsync(Scratch scratch, int runs, string? vagrantXml, string? backingFile)
    {
        var pool = Paths.RigValue("VMM_POOL");
        var volumes = (await Shell.VirshAsync("vol-list", "--pool", pool)).OrThrow("virsh vol-list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(2).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(fields => fields.Length == 2).ToList();
        // The box image vagrant-libvirt uploaded: named from the live disk chain, or else the newest in the pool.
        var backing = (backingFile is null ? null : volumes.FirstOrDefault(fields => fields[1] == backingFile)?[0])
            ?? volumes.Where(fields => fields[0].Contains("_vagrant_box_image_", StringComparison.Ordinal)).OrderByDescending(fields => File.GetLastWriteTimeUtc(fields[1])).FirstOrDefault()?[0]
            ?? Paths.RigValue("VMM_BASE_VOLUME");
        report.Line($"- linked clone: backing volume {backing}; domain XML {(vagrantXml is null ? "from the built-in tiny template (no vagrant-made domain in a --smoke run)" : "copied from the vagrant-made domain (virsh dumpxml --inactive)")}");
        var clones = new List<CloneTimings>();
        for (var i = 0; i < runs; i++)
        {
            var name = $"vmmperf_clone_{Guid.NewGuid().ToString("N")[..8]}";
            try
            {
                clones.Add(await LinkedClone.CreateAsync(name, backing, vagrantXml ?? LinkedClone.TinyTemplateXml(), scratch));
            }
            finally
            {
                await LinkedClone.RemoveAsync(name);
            }
            var left = await Leftovers.FindAsync([name], []);
            if (left.Count > 0)
            {
                throw new InvalidOperationException($"left over: {string.Join(", ", left)}");
            }
        }
        return clones;
    }

    private void Write(List<Run> runs, List<CloneTimings> clones, bool realXml)
    {
        double Median(Func<Run, double> value) => Stats.Median(runs.Select(value).ToList());
        static double StepAt(Run run, string prefix) => run.Steps.FirstOrDefault(s => s.Step.StartsWith(prefix, StringComparison.Ordinal)) is { Step: not null } found ? found.AtMs : double.NaN;
        // vagrant's first own line ("==> default: …") after the daemon's "vagrant up" step: Ruby start-up ends there.
        static double FirstVagrantLine(Run run) => run.Steps.SkipWhile(s => s.Step != "vagrant up").Skip(1).Select(s => s.AtMs).DefaultIfEmpty(double.NaN).First();
        double Span(Func<Run, double> from, Func<Run, double> to) => Stats.Median(runs.Select(run => to(run) - from(run)).ToList());

        var first = runs[0];
        report.Line($"- step timeline of the first VM (the daemon's steps and vagrant's \"==> default:\" lines from the event stream, ms after the click; the job log has the same steps without times): "
            + string.Join("; ", first.Steps.Where(s => !s.Step.StartsWith("-- ", StringComparison.Ordinal)).Select(s => $"{s.AtMs:F0} {s.Step}")));
        report.Table(["step (median of the runs)", "ms", "what it is"],
        [
            ["API: POST /api/vms → 202", Stats.Ms(Median(r => r.ApiMs)), "validation, box check (cached list), quota + insert + audit + enqueue in one transaction"],
            ["queue wait", Stats.Ms(Median(r => r.QueueMs)), "job created → started (idle queue)"],
            ["vagrant start-up", Stats.Ms(Span(r => StepAt(r, "vagrant up"), FirstVagrantLine)), "Ruby, plugins, Vagrantfile, box lookup, until its first line"],
            ["vagrant until the domain starts", Stats.Ms(Span(FirstVagrantLine, r => StepAt(r, "Starting domain"))), "box metadata, linked-clone volume, domain XML, define"],
            ["domain start → VNC answers (first framebuffer)", Stats.Ms(Span(r => StepAt(r, "Starting domain"), r => r.VncAnswersMs)), "qemu start; an RFB client polling virsh domdisplay"],
            ["waiting for the guest's IP (DHCP lease)", Stats.Ms(Span(r => StepAt(r, "Waiting for domain to get an IP"), r => StepAt(r, "Waiting for machine to boot"))), "guest kernel and DHCP client under TCG; vagrant polls libvirt for the lease"],
            ["waiting for SSH", Stats.Ms(Span(r => StepAt(r, "Waiting for machine to boot"), r => StepAt(r, "Machine booted and ready"))), "vagrant's SSH probe until dropbear answers"],
            ["provisioning → job finished", Stats.Ms(Span(r => StepAt(r, "Machine booted and ready"), r => r.JobFinishedMs)), "set-password provisioner over SSH, vagrant exit, virsh domstate check"],
            ["domain start → API offers the console", Stats.Ms(Span(r => StepAt(r, "Starting domain"), r => r.ConsoleOfferedMs)), "vagrant's next step makes the job read the VNC port; the console is offered while the create goes on"],
            ["click → VNC answers", Stats.Ms(Median(r => r.VncAnswersMs)), "the screen could be shown from here"],
            ["click → state running (event)", Stats.Ms(Median(r => r.RunningMs)), ""],
            ["click → console offered by the API", Stats.Ms(Median(r => r.ConsoleOfferedMs)), "what a student waits for"],
        ]);
        report.Table(["linked clone (median)", "ms"],
        [
            ["virsh vol-create-as --backing-vol (box image)", Stats.Ms(Stats.Median(clones.Select(c => c.VolumeMs).ToList()))],
            ["virsh define (vagrant's XML, new name/disk)", Stats.Ms(Stats.Median(clones.Select(c => c.DefineMs).ToList()))],
            ["virsh start", Stats.Ms(Stats.Median(clones.Select(c => c.StartMs).ToList()))],
            ["start → first framebuffer", Stats.Ms(Stats.Median(clones.Select(c => c.VncMs).ToList()))],
            ["total → first framebuffer", Stats.Ms(Stats.Median(clones.Select(c => c.TotalMs).ToList()))],
        ]);
        var viaVagrant = Median(r => r.VncAnswersMs);
        var vagrantRunning = Median(r => r.RunningMs);
        var viaClone = Stats.Median(clones.Select(c => c.TotalMs).ToList());
        // A daemon using the clone would call the VM running once virsh start returned (no IP/SSH wait).
        var cloneRunning = Stats.Median(clones.Select(c => c.VolumeMs + c.DefineMs + c.StartMs).ToList());
        var command = args.CommandFor("console", $"--runs {runs.Count}");
        report.Add(new SummaryRow("console", "click → VNC first framebuffer", Stats.Ms(viaVagrant), "–", "–", "–", command));
        // Before the console was offered during the create, it came with the running state.
        report.Add(new SummaryRow("console", "click → console offered by the API (during the create)", Stats.Ms(Median(r => r.ConsoleOfferedMs)),
            Stats.Ms(vagrantRunning) + " (offered once running)", Stats.Ratio(vagrantRunning / Median(r => r.ConsoleOfferedMs)), "–", command));
        report.Add(new SummaryRow("console", realXml ? "linked clone → first framebuffer (prototype)" : "linked clone → first framebuffer (prototype, template XML)",
            Stats.Ms(viaClone), Stats.Ms(viaVagrant) + " (via vagrant)", Stats.Ratio(viaVagrant / viaClone), "–", command));
        report.Add(new SummaryRow("console", "linked clone → domain running (prototype; no password set)", Stats.Ms(cloneRunning), Stats.Ms(vagrantRunning) + " (click → running via vagrant)",
            Stats.Ratio(vagrantRunning / cloneRunning), "–", command));
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"- in this run the linked clone reaches the first framebuffer {viaVagrant / viaClone:F1}× sooner than the vagrant path, and a running domain {vagrantRunning / cloneRunning:F1}× sooner (without the password step)"));
    }
}
