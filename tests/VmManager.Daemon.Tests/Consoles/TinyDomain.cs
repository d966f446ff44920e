using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>
/// A real libvirt domain on the rig (the plain tiny guest: kernel + initrd, its boot console on the VGA
/// screen), started with the daemon's own <see cref="Virsh"/> and removed on dispose. Like the daemon's VMs,
/// its VNC server asks for a random password (<see cref="VncPassword"/>).
/// </summary>
public sealed class TinyDomain : IAsyncDisposable
{
    private readonly TempDirectory _folder;

    private TinyDomain(Virsh virsh, string name, TempDirectory folder, int vncPort, string vncPassword)
    {
        VncPassword = vncPassword;
        Virsh = virsh;
        Name = name;
        _folder = folder;
        VncPort = vncPort;
    }

    public Virsh Virsh { get; }

    public string Name { get; }

    public int VncPort { get; }

    public string VncPassword { get; }

    public static async Task<TinyDomain> StartAsync(RigFixture rig)
    {
        var virsh = new Virsh(new ProcessRunner(NullLogger<ProcessRunner>.Instance), Options.Create(new HypervisorOptions { StoragePool = "vmm-rig" }));
        var name = "vmm-test-console-" + Guid.NewGuid().ToString("N")[..8];
        var folder = new TempDirectory();
        var xml = folder.File("domain.xml");
        var vncPassword = CredentialVault.GenerateVncPassword();
        await File.WriteAllTextAsync(xml, Xml(name, rig["VMM_KERNEL"], rig["VMM_INITRD"], vncPassword));
        await virsh.DefineAsync(xml);
        try
        {
            await virsh.StartAsync(name);
            var port = await virsh.VncPortAsync(name) ?? throw new InvalidOperationException($"{name} has no VNC display");
            return new TinyDomain(virsh, name, folder, port, vncPassword);
        }
        catch
        {
            await virsh.DestroyAsync(name);
            await virsh.UndefineWithStorageAsync(name);
            folder.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Virsh.DestroyAsync(Name);
        await Virsh.UndefineWithStorageAsync(Name);
        _folder.Dispose();
    }

    /// <summary>The tiny guest's domain: its boot text stays on the VGA screen, so a console shows pixels.</summary>
    internal static string Xml(string name, string kernel, string initrd, string? vncPassword = null) => $"""
        <domain type='qemu'>
          <name>{name}</name>
          <memory unit='MiB'>96</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
            <kernel>{kernel}</kernel>
            <initrd>{initrd}</initrd>
            <cmdline>console=tty0 panic=-1</cmdline>
          </os>
          <features><acpi/></features>
          <on_poweroff>destroy</on_poweroff>
          <devices>
            <graphics type='vnc' autoport='yes' listen='127.0.0.1'{(vncPassword is null ? "" : $" passwd='{vncPassword}'")}/>
            <video><model type='vga'/></video>
          </devices>
        </domain>
        """;
}
