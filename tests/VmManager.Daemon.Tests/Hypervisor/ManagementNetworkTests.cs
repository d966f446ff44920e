using System.Net;
using System.Text.Json;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hypervisor;

/// <summary>
/// The rig's management network definition (scripts/rig/xml, the same as deploy/'s), under its own name, bridge
/// and subnet so the shared network is never touched: guests reach the host, never each other; /readyz says when not.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ManagementNetworkTests(RigFixture rig)
{
    private static readonly TimeSpan VagrantTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Readyz_ConfiguredNetworkNotIsolated_WarnsAndIsolatedIsHealthy()
    {
        await using var open = await TestNetwork.DefineAsync(isolated: false);
        await using var isolated = await TestNetwork.DefineAsync(isolated: true);

        var (openStatus, openCheck) = await NetworkCheckAsync(open.Name);
        var (isolatedStatus, isolatedCheck) = await NetworkCheckAsync(isolated.Name);

        Assert.Equal(HttpStatusCode.OK, openStatus); // a warning, not "not ready"
        Assert.Equal("Degraded", openCheck.GetProperty("status").GetString());
        Assert.Contains("reach each other", openCheck.GetProperty("description").GetString());
        Assert.Equal("Healthy", isolatedCheck.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, isolatedStatus);
    }

    [Fact]
    public async Task Guests_OnTheRigsNetworkDefinition_ReachTheHostButNotEachOther()
    {
        await using var network = await TestNetwork.DefineAsync(isolated: true, start: true);
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var prefix = $"vmm-test-{Guid.NewGuid():N}"[..17];
        await File.WriteAllTextAsync(first.File("Vagrantfile"), Vagrantfile(network, prefix + "-a-"));
        await File.WriteAllTextAsync(second.File("Vagrantfile"), Vagrantfile(network, prefix + "-b-"));
        try
        {
            var ups = await Task.WhenAll(VagrantAsync(first.Path, "up"), VagrantAsync(second.Path, "up"));
            Assert.All(ups, up => Assert.True(up.Succeeded, up.Output));
            var secondAddress = (await VagrantAsync(second.Path, "ssh", "-c", "ip -4 -o addr show dev eth0")).Output
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(word => word != "inet").ElementAt(1).Split('/')[0];
            Assert.StartsWith(network.Prefix, secondAddress);

            // The host (vagrant ssh above, and the gateway below) still answers; the other guest does not.
            var host = await VagrantAsync(first.Path, "ssh", "-c", $"ping -c 2 -W 2 {network.Prefix}1");
            var neighbour = await VagrantAsync(first.Path, "ssh", "-c", $"ping -c 3 -W 2 {secondAddress}");

            Assert.True(host.Succeeded, host.Output);
            Assert.False(neighbour.Succeeded, $"{secondAddress} answered from the other guest: {neighbour.Output}");
            Assert.Contains("100% packet loss", neighbour.Output);
        }
        finally
        {
            var destroys = await Task.WhenAll(VagrantAsync(first.Path, "destroy", "--force"), VagrantAsync(second.Path, "destroy", "--force"));
            Assert.All(destroys, destroy => Assert.True(destroy.Succeeded, destroy.Output));
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Check)> NetworkCheckAsync(string network)
    {
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:ManagementNetwork"] = network });
        var response = await factory.CreateClient().GetAsync("/readyz");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("checks").GetProperty("network").Clone());
    }

    private string Vagrantfile(TestNetwork network, string prefix) => $$"""
        Vagrant.configure("2") do |config|
          config.vm.box = "{{rig["VMM_BOX"]}}"
          config.vm.provider :libvirt do |lv|
            lv.driver = "qemu"
            lv.storage_pool_name = "{{rig["VMM_POOL"]}}"
            lv.management_network_name = "{{network.Name}}"
            lv.management_network_address = "{{network.Prefix}}0/24"
            lv.management_network_keep = true
            lv.default_prefix = "{{prefix}}"
            lv.graphics_type = "none"
          end
        end
        """;

    private Task<CommandResult> VagrantAsync(string folder, params string[] arguments) =>
        VagrantfileProbe.Runner.RunAsync(new CommandLine("vagrant", [.. arguments], VagrantTimeout)
        {
            WorkingDirectory = folder,
            Environment = new Dictionary<string, string>
            {
                ["VAGRANT_HOME"] = rig["VAGRANT_HOME"],
                ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
                ["VAGRANT_DEFAULT_PROVIDER"] = "libvirt",
                ["LIBVIRT_DEFAULT_URI"] = rig["LIBVIRT_DEFAULT_URI"],
            },
        });

    /// <summary>scripts/rig/xml/vagrant-libvirt-net.xml under a throwaway name, bridge and subnet; removed on dispose.</summary>
    private sealed class TestNetwork : IAsyncDisposable
    {
        private TestNetwork(string name, string prefix)
        {
            Name = name;
            Prefix = prefix;
        }

        public string Name { get; }

        /// <summary>"192.168.N." of its /24.</summary>
        public string Prefix { get; }

        public static async Task<TestNetwork> DefineAsync(bool isolated, bool start = false)
        {
            var id = Guid.NewGuid().ToString("N")[..6];
            var network = new TestNetwork("vmm-test-net-" + id, $"192.168.{Random.Shared.Next(160, 250)}.");
            var xml = File.ReadAllText(Path.Combine(Repository.Root, "scripts", "rig", "xml", "vagrant-libvirt-net.xml"))
                .Replace("<name>vagrant-libvirt</name>", $"<name>{network.Name}</name>", StringComparison.Ordinal)
                .Replace("name='virbr1'", $"name='vmmt{id}'", StringComparison.Ordinal)
                .Replace("192.168.121.", network.Prefix, StringComparison.Ordinal);
            Assert.Contains("<port isolated='yes'/>", xml);
            if (!isolated)
            {
                xml = xml.Replace("<port isolated='yes'/>", "", StringComparison.Ordinal);
            }
            using var folder = new TempDirectory();
            await File.WriteAllTextAsync(folder.File("net.xml"), xml);
            await VirshAsync("net-define", folder.File("net.xml"));
            if (start)
            {
                await VirshAsync("net-start", network.Name);
            }
            return network;
        }

        public async ValueTask DisposeAsync()
        {
            await VagrantfileProbe.Runner.RunAsync(new CommandLine("virsh", ["net-destroy", Name], TimeSpan.FromSeconds(30)));
            await VirshAsync("net-undefine", Name);
        }

        private static async Task VirshAsync(params string[] arguments)
        {
            var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine("virsh", ["--connect", "qemu:///system", .. arguments], TimeSpan.FromSeconds(30)));
            Assert.True(result.Succeeded, result.Output);
        }
    }
}
