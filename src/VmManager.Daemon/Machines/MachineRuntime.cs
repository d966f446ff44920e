using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

public sealed record MachineRuntime(DomainState Power, TimeSpan CpuTime, long MemoryKiB, int? VncPort);

/// <summary>
/// The hypervisor's view of every domain, refreshed in one virsh call per interval: listing VMs
/// reads this cache and never starts a process per request.
/// </summary>
public sealed class MachineRuntimeCache
{
    private volatile IReadOnlyDictionary<string, MachineRuntime> _domains = new Dictionary<string, MachineRuntime>();

    public DateTimeOffset? RefreshedAt { get; private set; }

    public IReadOnlyDictionary<string, MachineRuntime> Domains => _domains;

    public MachineRuntime? For(string domainName) => _domains.GetValueOrDefault(domainName);

    /// <summary>The VNC port of a VM whose screen may be shown now; the API's console link and the console gate both ask this.</summary>
    public int? ScreenPortOf(Machine machine) =>
        MachineStates.MayShowScreen(machine.State) && For(machine.DomainName) is { Power: DomainState.Running, VncPort: { } port } ? port : null;

    internal void Replace(IReadOnlyDictionary<string, MachineRuntime> domains, DateTimeOffset at)
    {
        _domains = domains;
        RefreshedAt = at;
    }
}

/// <summary>Refreshes the cache and turns power changes made inside the guest (shutdown from the VM) into VM states.</summary>
public sealed class MachineRuntimeMonitor(
    Virsh virsh,
    MachineRuntimeCache cache,
    MachineStore store,
    MachineEvents events,
    IOptions<MachinesOptions> options,
    TimeProvider time,
    ILogger<MachineRuntimeMonitor> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, (int Port, TimeSpan CpuTime)> _vncPorts = new();
    // The job worker refreshes too, after a VM starts: one pass at a time, so an older snapshot never replaces a newer one.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _passesStarted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.StateRefreshSeconds), time);
        // libvirt down for an hour is one warning and one "back" line, not one warning per refresh.
        var failedPasses = 0;
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (failedPasses > 0)
                {
                    logger.LogInformation("VM states refresh from libvirt again, after {Count} failed refresh(es)", failedPasses);
                    failedPasses = 0;
                }
            }
            catch (Exception ex) when (ex is VirshException or CommandTimeoutException or InvalidOperationException)
            {
                if (failedPasses++ == 0)
                {
                    logger.LogWarning("Could not refresh VM states from libvirt: {Error} (retried every {Seconds} s; logged again when it works)",
                        ex.Message, options.Value.StateRefreshSeconds);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// Callers that queue up while a pass runs share the next one: it starts after each of them asked, so it
    /// sees what they need (a domain just launched), and a class creating 30 VMs does not queue 60 passes.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var startedBeforeThisCall = Interlocked.Read(ref _passesStarted);
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _passesStarted) > startedBeforeThisCall)
            {
                return;
            }
            Interlocked.Increment(ref _passesStarted);
            await PassAsync(cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        var observedAt = time.GetUtcNow();
        var stats = await virsh.AllDomainStatsAsync(cancellationToken);
        var domains = new Dictionary<string, MachineRuntime>();
        foreach (var domain in stats)
        {
            int? port = null;
            if (domain.State == DomainState.Running)
            {
                // The port only changes when the domain starts (its CPU time then restarts from zero):
                // ask once per run, not per refresh.
                port = _vncPorts.TryGetValue(domain.Name, out var known) && known.CpuTime <= domain.CpuTime
                    ? known.Port
                    : await virsh.VncPortAsync(domain.Name, cancellationToken);
                if (port is { } found)
                {
                    _vncPorts[domain.Name] = (found, domain.CpuTime);
                }
            }
            else
            {
                _vncPorts.TryRemove(domain.Name, out _);
            }
            domains[domain.Name] = new MachineRuntime(domain.State, domain.CpuTime, domain.MemoryKiB, port);
        }
        foreach (var gone in _vncPorts.Keys.Where(name => !domains.ContainsKey(name)))
        {
            _vncPorts.TryRemove(gone, out _);
        }
        cache.Replace(domains, time.GetUtcNow());

        foreach (var machine in store.ListLive())
        {
            var observed = domains.GetValueOrDefault(machine.DomainName)?.Power switch
            {
                DomainState.Running or DomainState.Paused => MachineStates.Running,
                DomainState.ShutOff or DomainState.Crashed => MachineStates.Stopped,
                _ => null,
            };
            if (observed is not null && machine.State is MachineStates.Running or MachineStates.Stopped && observed != machine.State
                && store.SetObservedState(machine.Id, machine.State, observed, observedAt))
            {
                events.Publish(new MachineChanged(machine.Id, machine.Owner, observed, null, null));
            }
        }
    }
}
