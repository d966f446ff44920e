using VmManager.Daemon.Tests.Support;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Real QEMU VNC behind the bridge: the guest's boot screen arrives, for the owner and for a teacher's view-only console.</summary>
[Collection(RigCollection.Name)]
public sealed class ConsoleRigTests(RigFixture rig) : IAsyncLifetime
{
    private const string VmId = "tiny";

    private TinyDomain _domain = null!;
    private ConsoleTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _domain = await TinyDomain.StartAsync(rig);
        var targets = new VirshConsoleTargets(_domain.Virsh);
        targets.Add(VmId, _domain.Name, Student, _domain.VncPassword);
        _host = new ConsoleTestHost(targets: targets);
    }

    [Theory]
    [InlineData(Student, false)]
    [InlineData(Teacher, true)]
    public async Task Console_RealVm_ShowsTheGuestsScreen(string userName, bool viewOnly)
    {
        using var user = await _host.LoginAsync(userName);
        var ticket = await TicketAsync(user, VmId);
        Assert.Equal(viewOnly, ticket.ViewOnly);
        var (socket, _) = await _host.ConnectAsync(ticket.WebSocketPath, user);
        using (socket)
        {
            Assert.NotNull(socket);
            var rfb = new RfbClient(socket);
            await rfb.HandshakeAsync();
            Assert.Contains(_domain.Name, rfb.DesktopName);

            // The guest boots in a few seconds; its console text makes the screen more than one colour.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            int colours;
            do
            {
                colours = (await rfb.ScreenAsync()).Distinct().Count();
            }
            while (colours < 2 && DateTime.UtcNow < deadline && await Delay());

            Assert.True(colours >= 2, $"the {rfb.Width}x{rfb.Height} screen stayed one colour");
        }
    }

    public async Task DisposeAsync()
    {
        _host?.Dispose();
        if (_domain is not null)
        {
            await _domain.DisposeAsync();
        }
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(500);
        return true;
    }
}
