using System.Globalization;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hosting.Cli;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Machines;

/// <summary>
/// <c>vm-manager vms …</c> and <c>reconcile</c>. Stop and delete only queue a job in the database: the
/// running daemon's worker picks it up at its next poll, so the CLI never races the daemon on a VM.
/// </summary>
public static class MachineCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("vms list", "", "every live VM with its owner, state, lease and current job", [new("--owner", "NAME", "only this user's VMs")], ListAsync),
        new("vms stop", "ID", "queue a graceful stop (forced off after Machines:GracefulStopTimeoutSeconds)", [], context => QueueAsync(context, JobKinds.Stop)),
        new("vms delete", "ID", "queue the deletion of the VM, its disks and its folder", [], context => QueueAsync(context, JobKinds.Delete)),
        new("reconcile", "", "compare the database, libvirt and the VM folders now; clean up what failed creates left", [], ReconcileAsync),
    ];

    private static Task<int> ListAsync(CliContext context)
    {
        var store = Ready(context).GetRequiredService<MachineStore>();
        var active = store.ActiveJobs();
        var rows = store.ListLive(context.Option("--owner"))
            .Select(machine => new[]
            {
                machine.Id, machine.Owner, machine.Name, machine.TemplateId, machine.State,
                machine.ExpiresAt.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
                active.TryGetValue(machine.Id, out var job) ? $"{job.Kind} #{job.Id} {job.State}" : "",
            })
            .Prepend(["ID", "OWNER", "NAME", "TEMPLATE", "STATE", "EXPIRES", "JOB"])
            .ToList();
        var widths = Enumerable.Range(0, rows[0].Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        foreach (var row in rows)
        {
            context.Output.WriteLine(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
        }
        return Task.FromResult(CliExit.Ok);
    }

    private static Task<int> QueueAsync(CliContext context, string kind)
    {
        var services = Ready(context);
        var machines = services.GetRequiredService<MachineService>();
        var caller = new Caller("cli:" + Environment.UserName, Role.Admin, "cli");
        var machine = machines.FindVisible(caller, context.Argument(0))
            ?? throw CliException.Failure($"there is no live VM '{context.Argument(0)}' (vm-manager vms list shows them)");
        try
        {
            var job = machines.Act(caller, machine, kind);
            context.Output.WriteLine($"queued job {job.Id}: {kind} {machine.Owner}/{machine.Name} ({machine.Id}); the running daemon carries it out");
            return Task.FromResult(CliExit.Ok);
        }
        catch (MachineBusyException)
        {
            throw CliException.Failure($"VM {machine.Id} already has an operation in progress");
        }
        catch (ConflictException ex)
        {
            throw CliException.Failure(ex.Message);
        }
    }

    private static async Task<int> ReconcileAsync(CliContext context)
    {
        var report = await Ready(context).GetRequiredService<Reconciler>().RunOnceAsync(CancellationToken.None);
        void Print(string label, IReadOnlyList<string> items) =>
            context.Output.WriteLine($"{label}: {(items.Count == 0 ? "none" : string.Join(", ", items))}");
        Print("removed orphan domains", report.RemovedDomains);
        Print("removed orphan volumes", report.RemovedVolumes);
        Print("removed orphan folders", report.RemovedFolders);
        Print("marked gone (deleted outside VmManager)", report.MarkedGone);
        Print("expired leases queued for deletion", report.ExpiredLeases);
        Print("domains not managed by VmManager (left alone)", report.UnknownDomains);
        return CliExit.Ok;
    }

    private static IServiceProvider Ready(CliContext context)
    {
        context.Services.ValidateOptions();
        context.Services.GetRequiredService<DatabaseMigrator>().Migrate();
        return context.Services;
    }
}
