using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>
/// Which Vagrant boxes the host has: a create for a missing box is refused before anything is made.
/// `vagrant box list` is a Ruby start (3 s measured on a busy 2-core host, bench/README.md), so a create
/// never waits for it when the answer is known: the list is loaded at start, a box it holds is answered
/// at once even when the list is older than a minute (which then refreshes in the background), and only
/// a box missing from a list older than a minute — perhaps just added — is looked up while the click waits.
/// </summary>
public sealed class BoxCatalog(Vagrant vagrant, TimeProvider time, ILogger<BoxCatalog> logger) : BackgroundService
{
    private static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile IReadOnlyList<VagrantBox>? _boxes;
    private long _refreshedAtTicks = DateTimeOffset.MinValue.UtcTicks;

    public async Task<bool> IsInstalledAsync(MachineTemplate template, CancellationToken cancellationToken)
    {
        var stale = IsStale();
        var known = _boxes;
        if (known is not null && Holds(known, template))
        {
            // A box once listed answers at once; a stale list is refreshed behind this create.
            if (stale)
            {
                _ = RefreshInBackgroundAsync();
            }
            return true;
        }
        // Missing from a fresh list it is missing; otherwise ask vagrant (an admin may just have added it).
        if (known is not null && !stale)
        {
            return false;
        }
        return Holds(await RefreshAsync(ifStale: true, cancellationToken), template);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start path: READY=1 does not wait for Ruby.
        await Task.Yield();
        try
        {
            await RefreshAsync(ifStale: false, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // An early listing only; a fault here must not stop the daemon. The next create asks again.
            logger.LogWarning("Listing the Vagrant boxes at start failed: {Error}", ex.Message);
        }
    }

    public override void Dispose()
    {
        _refresh.Dispose();
        base.Dispose();
    }

    private bool IsStale() => time.GetUtcNow().UtcTicks - Interlocked.Read(ref _refreshedAtTicks) >= FreshFor.Ticks;

    private static bool Holds(IReadOnlyList<VagrantBox> boxes, MachineTemplate template) =>
        boxes.Any(box => box.Name == template.Box && box.Provider == "libvirt" && (string.IsNullOrEmpty(template.BoxVersion) || box.Version == template.BoxVersion));

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync(ifStale: true, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Nobody awaits this one: the next create tries again.
            logger.LogWarning("Background refresh of the Vagrant boxes failed: {Error}", ex.Message);
        }
    }

    /// <summary>One `vagrant box list` at a time; callers that queued behind it reuse its answer.</summary>
    private async Task<IReadOnlyList<VagrantBox>> RefreshAsync(bool ifStale, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_boxes is null || !ifStale || IsStale())
            {
                try
                {
                    _boxes = await vagrant.BoxesAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is InvalidOperationException or CommandTimeoutException)
                {
                    logger.LogWarning("Cannot list Vagrant boxes: {Error}", ex.Message);
                    _boxes ??= [];
                }
                Interlocked.Exchange(ref _refreshedAtTicks, time.GetUtcNow().UtcTicks);
            }
            return _boxes;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
