using VmManager.Daemon.Tests.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Consoles;

/// <summary>One real tiny VM on the rig for all browser console tests of a class (it boots once).</summary>
public sealed class TinyVmFixture : IAsyncLifetime
{
    public TinyDomain Domain { get; private set; } = null!;

    public async Task InitializeAsync() => Domain = await TinyDomain.StartAsync(new RigFixture());

    public async Task DisposeAsync()
    {
        if (Domain is not null)
        {
            await Domain.DisposeAsync();
        }
    }
}
