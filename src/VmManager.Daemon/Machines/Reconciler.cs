using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hosting;
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
    DomainNaming naming,
    Virsh virsh,
    MachineEvents events,
    JobSignal signal,
    AuditLog audit,
    IOptions<MachinesOptions> options,
    BackgroundFaults faults,
    TimeProvider time,
    ILogger<Reconciler> logger) : BackgroundService
{
    public const string LeaseExpiry = "lease-expiry";
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly FaultStreak _streak = faults.Streak("reconciler", logger);

    public IReadOnlyList<string> UnknownDomains { get; private set; } = [];

    public DateTimeOffset? LastPass { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds), time);
        do
        {
            if (!_streak.IsDue)
            {
                continue;
            }
            try
            {
                await RunOnceAsync(stoppingToken);
                _streak.Succeeded();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // libvirt down, a busy or full database, a folder we may not read: the next pass tries again.
                _streak.Failed(ex);
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
        var domains = (await virsh.AllDomainStatsAsync(cancellationToken)).Select(domain => domain.Name).ToHashSet();
        var removedDomains = new List<string>();
        foreach (var domain in domains)
        {
            if (naming.MachineIdOf(domain) is { } id && IsOrphan(id))
            {
                logger.LogWarning("Removing orphan domain {Domain} (no live VM owns it)", domain);
                await virsh.DestroyAsync(domain, cancellationToken);
                await virsh.UndefineWithStorageAsync(domain, cancellationToken);
                removedDomains.Add(domain);
            }
        }
        var unknown = domains.Where(domain => naming.MachineIdOf(domain) is null).Order().ToList();
        foreach (var domain in unknown.Except(UnknownDomains))
        {
            logger.LogWarning("Domain {Domain} is not managed by VmManager; it is left alone", domain);
        }
        UnknownDomains = unknown;

        var removedVolumes = new List<string>();
        foreach (var volume in await virsh.VolumesAsync(cancellationToken))
        {
            if (naming.MachineIdOf(volume) is { } id && IsOrphan(id))
            {
                logger.LogWarning("Removing orphan volume {Volume}", volume);
                await virsh.DeleteVolumeAsync(volume, cancellationToken);
                removedVolumes.Add(volume);
            }
        }

        var removedFolders = await RemoveOrphanFoldersAsync(cancellationToken);
        var markedGone = new List<string>();
        var expired = new List<string>();
        // Read after libvirt: a VM created meanwhile has its row and job already, so it is never taken for gone.
        var active = store.ActiveJobs();
        foreach (var machine in store.ListLive().Where(m => !active.ContainsKey(m.Id)))
        {
            switch (machine.State)
            {
                // Asked again: the create may have finished between the domain listing and now.
                case MachineStates.Running or MachineStates.Stopped when !domains.Contains(machine.DomainName)
                                                                   && await virsh.StateAsync(machine.DomainName, cancellationToken) == DomainState.Missing:
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
        LastPass = time.GetUtcNow();
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

    /// <summary>
    /// Read fresh for each candidate, never from a snapshot taken before looking at libvirt or the disk:
    /// a create inserts its row and job before it makes anything, so what exists without them is an orphan.
    /// </summary>
    private bool IsOrphan(string id) =>
        store.Find(id) is not { } machine
        || ((MachineStates.IsFinal(machine.State) || machine.State == MachineStates.Failed) && store.ActiveJob(id) is null);

    private async Task<List<string>> RemoveOrphanFoldersAsync(CancellationToken cancellationToken)
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
            if (MachineNames.IsId(id) && IsOrphan(id))
            {
                logger.LogWarning("Removing orphan VM folder {Folder}", folder);
                var orphan = store.Find(id) ?? new Machine { Id = id, Folder = folder, DomainName = naming.DomainNameFor(id) };
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
