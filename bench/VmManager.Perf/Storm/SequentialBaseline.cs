using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using VmManager.Perf.Harness;

namespace VmManager.Perf.Storm;

/// <summary>
/// The naive design: the click runs vagrant up and answers when it ends, one VM after the other. N folders
/// get the Vagrantfile the daemon rendered (only the domain prefix changed, to names no daemon claims).
/// A student's "create call" then lasts until their own vagrant up finished, behind everyone before them.
/// </summary>
public sealed partial class SequentialBaseline(bool smoke)
{
    public async Task<StormRun> RunAsync(int students, string vagrantfile)
    {
        using var scratch = new Scratch("baseline");
        var vagrant = smoke ? FakeVagrant.WriteTo(scratch) : "vagrant";
        var run = Guid.NewGuid().ToString("N")[..6];
        var folders = Enumerable.Range(1, students).Select(i =>
        {
            var folder = scratch.Folder($"vm{i:D2}");
            File.WriteAllText(Path.Combine(folder, "Vagrantfile"), Prefix().Replace(vagrantfile, $"lv.default_prefix = \"vmmperf_{run}_{i:D2}_\""));
            return (Folder: folder, Domain: $"vmmperf_{run}_{i:D2}_default");
        }).ToList();
        var environment = new Dictionary<string, string>
        {
            ["VAGRANT_HOME"] = Paths.RigValue("VAGRANT_HOME"),
            ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
            ["VAGRANT_DEFAULT_PROVIDER"] = "libvirt",
            ["LIBVIRT_DEFAULT_URI"] = "qemu:///system",
            ["LC_ALL"] = "C.UTF-8",
            ["VMM_PASSWORD_B64"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("Perf-Baseline-1")),
        };

        var completedAfter = new List<double>();
        var durations = new List<double>();
        var failures = new List<string>();
        CpuReport cpu;
        await using (var sampler = new CpuSampler(new Dictionary<string, int> { ["harness"] = Environment.ProcessId }))
        {
            var clock = Stopwatch.StartNew();
            foreach (var (folder, domain) in folders)
            {
                var up = await Shell.RunAsync(vagrant, ["up", "--provider=libvirt", "--no-color"], environment, folder, timeout: TimeSpan.FromMinutes(15));
                durations.Add(up.Elapsed.TotalSeconds);
                completedAfter.Add(clock.Elapsed.TotalSeconds);
                if (!up.Succeeded)
                {
                    failures.Add($"vagrant up exited {up.ExitCode}: {up.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}");
                }
                else if ((await Shell.VirshAsync("domstate", domain)).Output.Trim() != "running")
                {
                    failures.Add($"{domain} is not running after vagrant up");
                }
            }
            cpu = await sampler.StopAsync();
        }

        var deleting = Stopwatch.StartNew();
        foreach (var (folder, _) in folders)
        {
            await Shell.RunAsync(vagrant, ["destroy", "--force", "--no-color"], environment, folder, timeout: TimeSpan.FromMinutes(5));
        }
        var deleteSeconds = deleting.Elapsed.TotalSeconds;
        var left = await Leftovers.FindAsync(folders.Select(f => f.Domain), []);
        foreach (var domain in folders.Select(f => f.Domain).Where(domain => left.Contains($"domain {domain}")))
        {
            // Leave the shared rig clean even when vagrant destroy failed; the row still reports it.
            await Shell.VirshAsync("destroy", domain);
            await Shell.VirshAsync("undefine", domain, "--remove-all-storage");
        }
        return new StormRun("vagrant up, sequential", students, null, [], completedAfter.Select(seconds => seconds * 1000).ToList(), completedAfter,
            completedAfter.Zip(durations, (done, took) => done - took).ToList(), durations, failures.Count, string.Join("; ", failures.Distinct().Take(3)),
            deleteSeconds, left.Count, true, cpu.Describe());
    }

    [GeneratedRegex("""lv\.default_prefix = "[^"]*"(?=\n)""")]
    private static partial Regex Prefix();
}
