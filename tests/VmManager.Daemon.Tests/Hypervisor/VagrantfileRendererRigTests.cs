using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hypervisor;

/// <summary>A rendered Vagrantfile, brought up and destroyed by the real Vagrant on the rig.</summary>
[Collection(RigCollection.Name)]
public sealed class VagrantfileRendererRigTests(RigFixture rig)
{
    private static readonly TimeSpan VagrantTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task UpAsync_RenderedLinuxVagrantfile_BootsSetsThePasswordServesVncAndIsDestroyed()
    {
        var hypervisor = new HypervisorOptions
        {
            LibvirtUri = rig["LIBVIRT_DEFAULT_URI"],
            VagrantHome = rig["VAGRANT_HOME"],
            StoragePool = rig["VMM_POOL"],
            ManagementNetwork = rig["VMM_NETWORK"],
        };
        var template = new MachineTemplate
        {
            Id = "tiny",
            Box = rig["VMM_BOX"],
            Driver = "qemu",
            LoginUser = "root",
            Keymap = "fr",
            DiskGiB = new ResourceRange { Min = 1, Default = 1, Max = 1 },
        };
        var prefix = $"vmm-test-{Guid.NewGuid():N}"[..17] + "-";
        var domain = prefix + "default";
        // Random, plus every character a shell or Ruby could misread on the way.
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(9)) + "$HOME`id`\\\"'#{x} é!:";
        var vncPassword = CredentialVault.GenerateVncPassword();
        var options = Options.Create(hypervisor);
        var vagrant = new Vagrant(VagrantfileProbe.Runner, options);
        var virsh = new Virsh(VagrantfileProbe.Runner, options);
        using var folder = new TempDirectory();
        await File.WriteAllTextAsync(folder.File("Vagrantfile"),
            VagrantfileRenderer.Render(new VagrantfileSpec(template, prefix, Cpus: 1, MemoryMiB: 128, DiskGiB: 1, OwnerUserName: "alice"), hypervisor));

        try
        {
            var up = await vagrant.UpAsync(folder.Path, password, vncPassword, VagrantTimeout, null, CancellationToken.None);

            Assert.True(up.Succeeded, up.Output);
            Assert.Contains($"Running provisioner: {VagrantfileRenderer.PasswordProvisioner}", up.Output);
            Assert.Equal(DomainState.Running, await virsh.StateAsync(domain));
            Assert.Equal(domain, await virsh.DomainNameAsync(Vagrant.MachineId(folder.Path)!));

            var xml = XDocument.Parse(await VirshOutputAsync(hypervisor, "dumpxml", "--domain", domain));
            Assert.Equal("qemu", xml.Root!.Attribute("type")!.Value);
            Assert.Equal(128 * 1024, int.Parse(xml.Root.Element("memory")!.Value, CultureInfo.InvariantCulture));
            var graphics = xml.Descendants("graphics").Single();
            Assert.Equal("vnc", graphics.Attribute("type")!.Value);
            Assert.Equal("127.0.0.1", graphics.Attribute("listen")!.Value);
            Assert.Equal("yes", graphics.Attribute("autoport")!.Value);
            Assert.Equal("fr", graphics.Attribute("keymap")!.Value);
            var port = await virsh.VncPortAsync(domain);
            Assert.NotNull(port);
            Assert.StartsWith("RFB ", await VirshTests.ReadGreetingAsync(port.Value));
            // Only the console bridge reaches the screen: a VNC password, and no websocket listener (vagrant-libvirt's default).
            Assert.Null(graphics.Attribute("websocket"));
            var secure = XDocument.Parse(await VirshOutputAsync(hypervisor, "dumpxml", "--security-info", "--domain", domain));
            Assert.Equal(vncPassword, secure.Descendants("graphics").Single().Attribute("passwd")?.Value);
            await VncPasswordRigTests.AssertRefusesWithoutPasswordAsync(port.Value);

            // DiskGiB 1 equals the box's virtual_size: the volume keeps the box's size.
            var volume = Assert.Single(await virsh.VolumesAsync(), name => name.StartsWith(prefix, StringComparison.Ordinal));
            Assert.Contains("Capacity:       1073741824 bytes",
                await VirshOutputAsync(hypervisor, "vol-info", "--pool", hypervisor.StoragePool, "--vol", volume, "--bytes"));

            var shadow = await VagrantSshAsync(hypervisor, folder.Path, "grep ^root: /etc/shadow");
            var hash = shadow.Split('\n').Single(line => line.StartsWith("root:", StringComparison.Ordinal)).Split(':')[1];
            Assert.StartsWith("$6$", hash); // the box ships root locked ("*")
            Assert.True(await MatchesAsync(password, hash), $"the shadow hash does not match the password ({hash})");

            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(password));
            foreach (var file in Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories))
            {
                var content = await File.ReadAllTextAsync(file);
                Assert.DoesNotContain(password, content);
                Assert.DoesNotContain(base64, content);
                Assert.DoesNotContain(vncPassword, content);
            }
        }
        finally
        {
            var destroy = await vagrant.DestroyAsync(folder.Path, VagrantTimeout, null, CancellationToken.None);
            Assert.True(destroy.Succeeded, destroy.Output);
        }

        Assert.Equal(DomainState.Missing, await virsh.StateAsync(domain));
        Assert.DoesNotContain(await virsh.VolumesAsync(), name => name.StartsWith(prefix, StringComparison.Ordinal));
    }

    private static async Task<string> VirshOutputAsync(HypervisorOptions hypervisor, params string[] arguments)
    {
        var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine("virsh", ["--connect", hypervisor.LibvirtUri, .. arguments], TimeSpan.FromSeconds(30)));
        Assert.True(result.Succeeded, result.Output);
        return result.Output;
    }

    private static async Task<string> VagrantSshAsync(HypervisorOptions hypervisor, string folder, string command)
    {
        var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine("vagrant", ["ssh", "-c", command], TimeSpan.FromMinutes(1))
        {
            WorkingDirectory = folder,
            Environment = new Dictionary<string, string>
            {
                ["VAGRANT_HOME"] = hypervisor.VagrantHome!,
                ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
                ["LIBVIRT_DEFAULT_URI"] = hypervisor.LibvirtUri,
            },
        });
        Assert.True(result.Succeeded, result.Output);
        return result.Output;
    }

    /// <summary>Checks a crypt(3) hash with the host's libc, through Python's crypt module.</summary>
    private static async Task<bool> MatchesAsync(string password, string hash)
    {
        var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine("python3",
            ["-W", "ignore", "-c", "import crypt, sys; sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) != sys.argv[2])", password, hash],
            TimeSpan.FromSeconds(30)));
        return result.Succeeded;
    }
}
