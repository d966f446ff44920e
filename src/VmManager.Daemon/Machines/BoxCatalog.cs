using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>Which Vagrant boxes the host has, cached for a minute: a create for a missing box is refused before anything is made.</summary>
public sealed class BoxCatalog(Vagrant vagrant, TimeProvider time, ILogger<BoxCatalog> logger)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlyList<VagrantBox> _boxes = [];
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;

    public async Task<bool> IsInstalledAsync(MachineTemplate template, CancellationToken cancellationToken)
    {
        var boxes = await BoxesAsync(cancellationToken);
        return boxes.Any(box => box.Name == template.Box && box.Provider == "libvirt"
                                && (template.BoxVersion is null || box.Version == template.BoxVersion));
    }

    private async Task<IReadOnlyList<VagrantBox>> BoxesAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _refreshedAt < CacheFor)
        {
            return _boxes;
        }
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() - _refreshedAt >= CacheFor)
            {
                try
                {
                    _boxes = await vagrant.BoxesAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is InvalidOperationException or CommandTimeoutException)
                {
                    logger.LogWarning("Cannot list Vagrant boxes: {Error}", ex.Message);
                }
                _refreshedAt = time.GetUtcNow();
            }
            return _boxes;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
