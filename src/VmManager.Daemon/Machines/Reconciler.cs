using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

public sealed record ReconcileReport(
    IReadOnlyList<string> RemovedDomains,
    IReadOnlyList<string> RemovedVolumes,
    IReadOnlyList<string> RemovedFolders,
    IReadOnlyList<string> MarkedGone,
    IReadOnlyList<string> ExpiredLeases,
    IReadOnlyList<string> UnknownDomains);

/// <summary>
/// Compares the database, libvirt and the student_vms folders at start and periodically: removes
/// what failed or crashed creates left behind, marks VMs deleted outside the daemon as gone, queues
/// the deletion of expired leases, and reports (never touches) domains that are not ours.
/// </summary>
public sealed class Reconciler(
    MachineStore store,
    MachineOperations operations,
    Virsh virsh,
    MachineEvents events,
    JobSignal signal,
    AuditLog audit,
    IOptions<MachinesOptions> options,
    TimeProvider time,
    ILogger<Reconciler> logger) : BackgroundService
{
    public const string LeaseExpiry = "lease-expiry";
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public IReadOnlyList<string> UnknownDomains { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds), time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is VirshException or CommandTimeoutException or IOException or InvalidOperationException)
            {
                logger.LogWarning("Reconciliation pass failed, will retry: {Error}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<ReconcileReport> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await PassAsync(cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<ReconcileReport> PassAsync(CancellationToken cancellationToken)
    {
        var machines = store.ListAll().ToDictionary(machine => machine.Id);
        var active = store.ActiveJobs();
        bool Busy(string id) => active.ContainsKey(id);
        bool Live(string id) => machines.TryGetValue(id, out var machine) && !MachineStates.IsFinal(machine.State) && machine.State != MachineStates.Failed;

        // A name in our pattern is not proof of ownership: another instance on the same host (a test
        // daemon, a second install) names its VMs alike. Only what this instance has a row or a folder
        // for is ever removed.
        var folders = FolderIds();
        bool Ours(string id) => machines.ContainsKey(id) || folders.Contains(id);

        var domains = (await virsh.AllDomainStatsAsync(cancellationToken)).Select(domain => domain.Name).ToHashSet();
        var removedDomains = new List<string>();
        foreach (var domain in domains)
        {
            var id = MachineNames.MachineIdOf(domain);
            if (id is not null && Ours(id) && !Live(id) && !Busy(id))
            {
                logger.LogWarning("Removing orphan domain {Domain} (no live VM owns it)", domain);
                await virsh.DestroyAsync(domain, cancellationToken);
                await virsh.UndefineWithStorageAsync(domain, cancellationToken);
                removedDomains.Add(domain);
            }
        }
        var unknown = domains.Where(domain => MachineNames.MachineIdOf(domain) is not { } id || !Ours(id)).Order().ToList();
        foreach (var domain in unknown.Except(UnknownDomains))
        {
            logger.LogWarning("Domain {Domain} is not managed by this VmManager; it is left alone", domain);
        }
        UnknownDomains = unknown;

        var removedVolumes = new List<string>();
        foreach (var volume in await virsh.VolumesAsync(cancellationToken))
        {
            if (MachineNames.MachineIdOf(volume) is { } id && Ours(id) && !Live(id) && !Busy(id))
            {
                logger.LogWarning("Removing orphan volume {Volume}", volume);
                await virsh.DeleteVolumeAsync(volume, cancellationToken);
                removedVolumes.Add(volume);
            }
        }

        var removedFolders = await RemoveOrphanFoldersAsync(machines, Busy, cancellationToken);
        var markedGone = new List<string>();
        var expired = new List<string>();
        foreach (var machine in machines.Values.Where(m => !MachineStates.IsFinal(m.State) && !Busy(m.Id)))
        {
            switch (machine.State)
            {
                case MachineStates.Running or MachineStates.Stopped when !domains.Contains(machine.DomainName):
                    logger.LogWarning("VM {MachineId} ({Owner}/{Name}): its domain was removed outside VmManager", machine.Id, machine.Owner, machine.Name);
                    store.SetState(machine.Id, MachineStates.Gone, "the domain was removed outside VmManager");
                    events.Publish(new MachineChanged(machine.Id, machine.Owner, MachineStates.Gone, null, null));
                    markedGone.Add(machine.Id);
                    break;
                case MachineStates.Creating:
                    // Its create job failed for good (e.g. interrupted twice): leave nothing behind.
                    await operations.RemoveEverythingAsync(machine, null, cancellationToken);
                    store.SetState(machine.Id, MachineStates.Failed, "the creation was interrupted");
                    events.Publish(new MachineChanged(machine.Id, machine.Owner, MachineStates.Failed, null, null));
                    break;
                case MachineStates.Deleting:
                    Requeue(machine, "delete-retry");
                    break;
                case var _ when machine.ExpiresAt <= time.GetUtcNow():
                    logger.LogInformation("VM {MachineId} ({Owner}/{Name}): lease expired at {ExpiresAt}", machine.Id, machine.Owner, machine.Name, machine.ExpiresAt);
                    Requeue(machine, LeaseExpiry);
                    expired.Add(machine.Id);
                    break;
            }
        }
        return new ReconcileReport(removedDomains, removedVolumes, removedFolders, markedGone, expired, unknown);
    }

    private void Requeue(Machine machine, string requestedBy)
    {
        try
        {
            store.InWriteTransaction((connection, transaction) =>
            {
                store.Enqueue(connection, transaction, machine.Id, JobKinds.Delete, requestedBy);
                audit.Record(connection, transaction, Caller.System.UserName, AuditActions.ForJob(JobKinds.Delete), machine.Id, AuditOutcomes.Success,
                    $"{machine.Owner}/{machine.Name}: {requestedBy}", null);
                return MachineStore.SetStateInTransaction(connection, transaction, machine.Id, MachineStates.Deleting);
            });
            events.Publish(new MachineChanged(machine.Id, machine.Owner, MachineStates.Deleting, null, null));
            signal.Notify();
        }
        catch (MachineBusyException)
        {
            // Someone queued an operation meanwhile; the next pass looks again.
        }
    }

    /// <summary>The VM ids that have a folder under VmRoot (&lt;root&gt;/&lt;user&gt;/&lt;id&gt;).</summary>
    private HashSet<string> FolderIds()
    {
        var root = options.Value.VmRoot;
        return Directory.Exists(root)
            ? Directory.EnumerateDirectories(root).SelectMany(Directory.EnumerateDirectories).Select(Path.GetFileName).OfType<string>().Where(MachineNames.IsId).ToHashSet()
            : [];
    }

    private async Task<List<string>> RemoveOrphanFoldersAsync(Dictionary<string, Machine> machines, Func<string, bool> busy, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        var root = options.Value.VmRoot;
        if (!Directory.Exists(root))
        {
            return removed;
        }
        foreach (var folder in Directory.EnumerateDirectories(root).SelectMany(Directory.EnumerateDirectories))
        {
            var id = Path.GetFileName(folder);
            if (machines.TryGetValue(id, out var machine) ? (MachineStates.IsFinal(machine.State) || machine.State == MachineStates.Failed) && !busy(id) : MachineNames.IsId(id))
            {
                logger.LogWarning("Removing orphan VM folder {Folder}", folder);
                var orphan = machine ?? new Machine { Id = id, Folder = folder, DomainName = MachineNames.DomainNameFor(id) };
                await operations.RemoveEverythingAsync(orphan, null, cancellationToken);
                removed.Add(folder);
            }
        }
        return removed;
    }

    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }
}
