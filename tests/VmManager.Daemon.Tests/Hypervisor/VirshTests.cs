using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Tests.Consoles;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hypervisor;

[Collection(RigCollection.Name)]
public sealed class VirshTests(RigFixture rig)
{
    private readonly Virsh _virsh = new(new ProcessRunner(NullLogger<ProcessRunner>.Instance),
        Options.Create(new HypervisorOptions { StoragePool = "vmm-rig" }));

    [Fact]
    public async Task Lifecycle_TinyDomain_DefinesStartsServesVncAndIsDestroyed()
    {
        using var folder = new TempDirectory();
        var name = "vmm-test-" + Guid.NewGuid().ToString("N")[..8];
        var xml = folder.File("domain.xml");
        await File.WriteAllTextAsync(xml, TinyDomain.Xml(name, rig["VMM_KERNEL"], rig["VMM_INITRD"]));
        try
        {
            await _virsh.DefineAsync(xml);
            Assert.Equal(DomainState.ShutOff, await _virsh.StateAsync(name));

            await _virsh.StartAsync(name);
            Assert.Equal(DomainState.Running, await _virsh.StateAsync(name));
            var port = await _virsh.VncPortAsync(name);
            Assert.NotNull(port);
            Assert.InRange(port.Value, 5900, 65535);
            Assert.StartsWith("RFB 003.", await ReadGreetingAsync(port.Value));
            var stats = Assert.Single(await _virsh.AllDomainStatsAsync(), domain => domain.Name == name);
            Assert.Equal(DomainState.Running, stats.State);
            Assert.True(stats.MemoryKiB > 0);

            await _virsh.DestroyAsync(name);
            Assert.Equal(DomainState.ShutOff, await _virsh.StateAsync(name));
            await _virsh.DestroyAsync(name); // already off: still success
        }
        finally
        {
            await _virsh.DestroyAsync(name);
            await _virsh.UndefineWithStorageAsync(name);
        }
        Assert.Equal(DomainState.Missing, await _virsh.StateAsync(name));
    }

    [Fact]
    public async Task StartAsync_UnknownDomain_ThrowsWithVirshMessage()
    {
        var error = await Assert.ThrowsAsync<VirshException>(() => _virsh.StartAsync("vmm-no-such-domain"));

        Assert.Contains("vmm-no-such-domain", error.Message);
    }

    [Fact]
    public async Task StartAsync_NameThatLooksLikeAnOption_IsRejectedBeforeVirsh()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _virsh.StartAsync("--all"));
    }

    internal static async Task<string> ReadGreetingAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var buffer = new byte[12];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < buffer.Length)
        {
            var n = await client.GetStream().ReadAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
