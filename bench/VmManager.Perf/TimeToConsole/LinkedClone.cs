using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VmManager.Perf.Harness;

namespace VmManager.Perf.TimeToConsole;

public sealed record CloneTimings(double VolumeMs, double DefineMs, double StartMs, double VncMs)
{
    public double TotalMs => VolumeMs + DefineMs + StartMs + VncMs;
}

/// <summary>
/// A prototype of a faster create that keeps Vagrant's box as the source: a qcow2 volume backed by the
/// box image vagrant-libvirt uploaded to the pool (exactly what vagrant-libvirt makes, a linked clone),
/// the domain XML vagrant-libvirt produced for the same template with only name, UUID, MAC and disk
/// swapped, then virsh start. What it leaves out: vagrant's SSH wait and the password provisioner (the
/// guest would need another channel, e.g. a cloud-init seed, to get its password).
/// </summary>
public static partial class LinkedClone
{
    /// <summary>The box volume a vagrant-made domain's disk is backed by (from its live XML).</summary>
    public static string? BackingFile(string domainXml) => BackingSource().Match(domainXml) is { Success: true } match ? match.Groups[1].Value : null;

    public static async Task<CloneTimings> CreateAsync(string name, string backingVolume, string domainXml, Scratch scratch)
    {
        var pool = Paths.RigValue("VMM_POOL");
        var capacity = (await Shell.VirshAsync("vol-info", "--pool", pool, backingVolume, "--bytes")).OrThrow("virsh vol-info").Output
            .Split('\n').Select(line => line.Split(':', 2)).First(pair => pair[0].Trim() == "Capacity")[1].Trim().Split(' ')[0];
        var xmlFile = scratch.File(name + ".xml");

        var clock = Stopwatch.StartNew();
        (await Shell.VirshAsync("vol-create-as", pool, name + ".img", capacity, "--format", "qcow2", "--backing-vol", backingVolume, "--backing-vol-format", "qcow2"))
            .OrThrow("virsh vol-create-as");
        var volume = clock.Elapsed.TotalMilliseconds;
        var path = (await Shell.VirshAsync("vol-path", "--pool", pool, name + ".img")).OrThrow("virsh vol-path").Output.Trim();
        await File.WriteAllTextAsync(xmlFile, Adapt(domainXml, name, path));
        (await Shell.VirshAsync("define", "--file", xmlFile)).OrThrow("virsh define");
        var define = clock.Elapsed.TotalMilliseconds;
        (await Shell.VirshAsync("start", name)).OrThrow("virsh start");
        var start = clock.Elapsed.TotalMilliseconds;
        var port = await VncPortAsync(name, TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException($"{name} has no VNC display");
        while (!await RfbProbe.FirstFramebufferAsync(port, TimeSpan.FromSeconds(5)))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException($"{name}: no framebuffer on port {port}");
            }
            await Task.Delay(50);
        }
        var vnc = clock.Elapsed.TotalMilliseconds;
        return new CloneTimings(volume, define - volume, start - define, vnc - start);
    }

    public static async Task RemoveAsync(string name)
    {
        await Shell.VirshAsync("destroy", name);
        await Shell.VirshAsync("undefine", name, "--remove-all-storage");
        await Shell.VirshAsync("vol-delete", "--pool", Paths.RigValue("VMM_POOL"), name + ".img");
    }

    public static async Task<int?> VncPortAsync(string domain, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var display = await Shell.VirshAsync("domdisplay", "--domain", domain, "--type", "vnc");
            var text = display.Output.Trim();
            if (display.Succeeded && text.LastIndexOf(':') is var colon and > 0
                && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return 5900 + number;
            }
            await Task.Delay(100);
        }
        return null;
    }

    /// <summary>
    /// The domain as vagrant-libvirt defined it for the tiny template, for the --smoke run that has no
    /// vagrant-made domain to copy: kernel and initrd from the box, 128 MiB, virtio disk and NIC on the
    /// management network, VNC on 127.0.0.1 with autoport, usb tablet, cirrus video, serial pty.
    /// </summary>
    public static string TinyTemplateXml()
    {
        var box = Path.Combine(Paths.RigValue("VAGRANT_HOME"), "boxes", "vmm-VAGRANTSLASH-tiny", "0", "libvirt");
        return $"""
            <domain type='qemu'>
              <name>template</name>
              <memory unit='KiB'>131072</memory>
              <vcpu placement='static'>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>{box}/vmlinuz</kernel>
                <initrd>{box}/initrd.img</initrd>
                <cmdline>console=tty0 console=ttyS0 quiet panic=-1</cmdline>
                <boot dev='hd'/>
              </os>
              <features><acpi/><apic/><pae/></features>
              <cpu mode='host-model'/>
              <clock offset='utc'/>
              <devices>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source file='/dev/null'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <interface type='network'>
                  <source network='{Paths.RigValue("VMM_NETWORK")}'/>
                  <model type='virtio'/>
                </interface>
                <serial type='pty'><target port='0'/></serial>
                <console type='pty'><target type='serial' port='0'/></console>
                <input type='tablet' bus='usb'/>
                <graphics type='vnc' autoport='yes' listen='127.0.0.1' keymap='fr'/>
                <video><model type='cirrus'/></video>
              </devices>
            </domain>
            """;
    }

    /// <summary>A copy of a domain's XML under a new name, on a new disk, with libvirt choosing UUID, MAC, VNC port and device addresses again.</summary>
    internal static string Adapt(string domainXml, string name, string diskPath)
    {
        var xml = Name().Replace(domainXml, $"<name>{name}</name>", 1);
        xml = Uuid().Replace(xml, "");
        xml = Mac().Replace(xml, "");
        xml = BackingStore().Replace(xml, "");
        xml = DiskSource().Replace(xml, $"<source file='{diskPath}'/>", 1);
        xml = VncPort().Replace(xml, "<graphics type='vnc' autoport='yes'");
        return xml;
    }

    [GeneratedRegex("<name>[^<]*</name>")]
    private static partial Regex Name();

    [GeneratedRegex(@"\s*<uuid>[^<]*</uuid>")]
    private static partial Regex Uuid();

    [GeneratedRegex(@"\s*<mac address='[^']*'/>")]
    private static partial Regex Mac();

    [GeneratedRegex(@"\s*<backingStore.*?</backingStore>|\s*<backingStore/>", RegexOptions.Singleline)]
    private static partial Regex BackingStore();

    [GeneratedRegex(@"<source file='[^']*'(?: index='\d+')?/>")]
    private static partial Regex DiskSource();

    [GeneratedRegex(@"<graphics type='vnc' port='-?\d+' autoport='(?:yes|no)'")]
    private static partial Regex VncPort();

    [GeneratedRegex(@"<backingStore type='file'[^>]*>.*?<source file='([^']*)'", RegexOptions.Singleline)]
    private static partial Regex BackingSource();
}
