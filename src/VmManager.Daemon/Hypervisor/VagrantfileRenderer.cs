using System.Buffers;
using System.Globalization;
using System.Text;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Hypervisor;

/// <summary>What one VM's Vagrantfile depends on; the resources are already checked against the template's ranges.</summary>
public sealed record VagrantfileSpec(MachineTemplate Template, string DomainPrefix, int Cpus, int MemoryMiB, int DiskGiB, string OwnerUserName);

/// <summary>
/// The only place that knows Vagrantfile syntax. Every value reaches the file as a Ruby string or integer
/// literal; the VM's password never does: provisioners decode it from <see cref="Vagrant.PasswordVariable"/>
/// inside the guest. No free text (labels, descriptions) is emitted at all: vagrant-libvirt pastes
/// lv.title/lv.description into the domain XML unescaped.
/// </summary>
public static class VagrantfileRenderer
{
    /// <summary>Name of the provisioner that sets the guest password(s), as it appears in vagrant's output.</summary>
    public const string PasswordProvisioner = "set-password";

    private const int WindowsGeoIdFrance = 84;

    // QEMU VNC keymap → Windows input language and "LANGID:KLID" input profile.
    private static readonly Dictionary<string, (string Language, string InputProfile)> WindowsKeyboards = new(StringComparer.Ordinal)
    {
        ["fr"] = ("fr-FR", "040c:0000040c"),
        ["fr-be"] = ("fr-BE", "080c:0000080c"),
        ["fr-ch"] = ("fr-CH", "100c:0000100c"),
        ["de"] = ("de-DE", "0407:00000407"),
        ["de-ch"] = ("de-CH", "0807:00000807"),
        ["en-us"] = ("en-US", "0409:00000409"),
        ["en-gb"] = ("en-GB", "0809:00000809"),
        ["es"] = ("es-ES", "0c0a:0000040a"),
        ["it"] = ("it-IT", "0410:00000410"),
    };

    private static readonly SearchValues<char> WindowsAccountForbidden = SearchValues.Create("\"/\\[]:;|=,+*?<>@");

    /// <summary>Keymaps a Windows template may use (the guest's keyboard layout follows the VNC keymap).</summary>
    public static IReadOnlyCollection<string> WindowsKeymaps => WindowsKeyboards.Keys;

    public static string Render(VagrantfileSpec spec, HypervisorOptions hypervisor)
    {
        // The prefix names the domain and its volumes, which later reach virsh command lines.
        HypervisorNames.Require(spec.DomainPrefix);
        HypervisorNames.Require(spec.DomainPrefix + "default");
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.Cpus, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.MemoryMiB, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.DiskGiB, 1);
        var windows = spec.Template.Os == OsFamily.Windows;
        if (windows && !WindowsKeyboards.ContainsKey(spec.Template.Keymap))
        {
            throw new ArgumentException($"keymap '{spec.Template.Keymap}' has no Windows keyboard layout", nameof(spec));
        }

        var file = new StringBuilder();
        file.Append("# Written by vm-manager for one VM (rewritten at each create); the domain is ")
            .Append(spec.DomainPrefix).Append("default.\n");
        file.Append("Vagrant.configure(\"2\") do |config|\n");
        Line(file, 1, $"config.vm.box = {Str(spec.Template.Box)}");
        if (!string.IsNullOrEmpty(spec.Template.BoxVersion))
        {
            Line(file, 1, $"config.vm.box_version = {Str(spec.Template.BoxVersion)}");
        }
        // Windows boots (and may finish sysprep) far slower than a Linux cloud image.
        Line(file, 1, $"config.vm.boot_timeout = {Int(windows ? 900 : 300)}");
        Line(file, 1, $"config.vm.graceful_halt_timeout = {Int(windows ? 120 : 30)}");
        // Never share the VM's host folder (it holds .vagrant with the machine's SSH key) into a student's guest.
        Line(file, 1, "config.vm.synced_folder \".\", \"/vagrant\", disabled: true");
        if (windows)
        {
            WindowsCommunicator(file);
        }
        Provider(file, spec, hypervisor, windows);
        if (windows)
        {
            WindowsProvisioners(file, spec);
        }
        else
        {
            LinuxProvisioner(file, spec);
        }
        file.Append("end\n");
        return file.ToString();
    }

    /// <summary>A valid Windows local account name from a directory user name: ≤ 20 characters, none of "/\[]:;|=,+*?&lt;&gt;@, no trailing '.'.</summary>
    public static string WindowsAccountName(string userName)
    {
        var name = new StringBuilder();
        foreach (var rune in userName.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || (rune.IsBmp && WindowsAccountForbidden.Contains((char)rune.Value)))
            {
                continue;
            }
            if (name.Length + rune.Utf16SequenceLength > 20)
            {
                break;
            }
            name.Append(rune.ToString());
        }
        var trimmed = name.ToString().Trim().TrimEnd('.', ' ');
        return trimmed.Length > 0 ? trimmed : "student";
    }

    private static void Provider(StringBuilder file, VagrantfileSpec spec, HypervisorOptions hypervisor, bool windows)
    {
        var template = spec.Template;
        Line(file, 1, "config.vm.provider :libvirt do |lv|");
        Line(file, 2, $"lv.uri = {Str(hypervisor.LibvirtUri)}");
        Line(file, 2, $"lv.driver = {Str(template.Driver)}");
        Line(file, 2, $"lv.memory = {Int(spec.MemoryMiB)}");
        Line(file, 2, $"lv.cpus = {Int(spec.Cpus)}");
        // No lv.graphics_port: leaving it unset is what makes vagrant-libvirt emit autoport='yes'
        // (its finalize overwrites lv.graphics_autoport). Only the daemon's console bridge connects, locally.
        Line(file, 2, "lv.graphics_type = \"vnc\"");
        Line(file, 2, "lv.graphics_ip = \"127.0.0.1\"");
        // No VNC websocket listener (vagrant-libvirt's default -1 makes libvirt open one on 5700+, without a password):
        // an explicit nil drops the attribute from the domain XML.
        Line(file, 2, "lv.graphics_websocket = nil");
        // Only the console bridge knows the password (from the environment of `vagrant up`, never from this file).
        Line(file, 2, $"vnc_password = ENV[{Str(Vagrant.VncPasswordVariable)}].to_s");
        Line(file, 2, "lv.graphics_passwd = vnc_password unless vnc_password.empty?");
        Line(file, 2, $"lv.keymap = {Str(template.Keymap)}");
        // An absolute pointer, so the mouse follows the browser's cursor in graphical guests.
        Line(file, 2, "lv.input type: \"tablet\", bus: \"usb\"");
        if (windows)
        {
            // Windows 8+ has no Cirrus driver; standard VGA gives its basic display driver more resolutions.
            Line(file, 2, "lv.video_type = \"vga\"");
        }
        Line(file, 2, $"lv.storage_pool_name = {Str(hypervisor.StoragePool)}");
        Line(file, 2, $"lv.management_network_name = {Str(hypervisor.ManagementNetwork)}");
        // The network is shared by every VM: a destroy must never delete it (parallel destroys race on it).
        Line(file, 2, "lv.management_network_keep = true");
        // Domain "<prefix>default": Vagrant's default "<folder>_" would make two users' "vm1" collide.
        Line(file, 2, $"lv.default_prefix = {Str(spec.DomainPrefix)}");
        // vagrant-libvirt grows the box's disk only when this exceeds the box's virtual_size, ignores a smaller
        // value (with a warning) and keeps an equal one as is, though it still prints its "will require manual
        // resizing" notice. So the guest gets max(box, DiskGiB) GiB without the renderer knowing the box's size.
        // The guest grows its file system itself (cloud-init growpart) or leaves the extra space unused.
        Line(file, 2, $"lv.machine_virtual_size = {Int(spec.DiskGiB)}");
        Line(file, 1, "end");
    }

    private static void LinuxProvisioner(StringBuilder file, VagrantfileSpec spec)
    {
        // Vagrant passes env values in double quotes on the guest's command line (only '"' escaped), so the
        // password travels base64-encoded and is decoded by the script.
        string[] script =
        [
            "#!/bin/sh",
            "set -eu",
            $"user={ShellQuote(spec.Template.LoginUser)}",
            "[ -n \"${VMM_PASSWORD_B64:-}\" ] || { echo 'VMM_PASSWORD_B64 is empty: no password to set' >&2; exit 1; }",
            // Guarded: busybox guests (the rig's) have no useradd, and their login user (root) exists.
            "id -u \"$user\" >/dev/null 2>&1 || useradd -m -s /bin/bash \"$user\"",
            "password=$(printf '%s' \"$VMM_PASSWORD_B64\" | base64 -d)",
            "printf '%s:%s\\n' \"$user\" \"$password\" | chpasswd",
        ];
        Provisioner(file, PasswordProvisioner, script, passwordVariable: true);
    }

    private static void WindowsCommunicator(StringBuilder file)
    {
        Line(file, 1, "config.vm.guest = :windows");
        Line(file, 1, "config.vm.communicator = \"winrm\"");
        Line(file, 1, "config.winrm.username = \"vagrant\"");
        // The box's vagrant/vagrant works until the set-password provisioner gives vagrant the VM's password.
        // Vagrant writes this sentinel just before it provisions, after this file was read: later runs
        // (up --no-provision, reload) log in with the VM's password, which they must be given in the variable.
        Line(file, 1, "provisioned = File.exist?(File.join(File.dirname(__FILE__), \".vagrant\", \"machines\", \"default\", \"action_provision\"))");
        Line(file, 1, $"vm_password = ENV[{Str(Vagrant.PasswordVariable)}].to_s.unpack1(\"m\").force_encoding(Encoding::UTF_8)");
        Line(file, 1, "config.winrm.password = provisioned && !vm_password.empty? ? vm_password : \"vagrant\"");
    }

    private static void WindowsProvisioners(StringBuilder file, VagrantfileSpec spec)
    {
        var (language, inputProfile) = WindowsKeyboards[spec.Template.Keymap];
        string[] settings =
        [
            "$ErrorActionPreference = 'Stop'",
            "# Password policy: at least 8 characters and complexity (3 of upper case, lower case, digit, symbol)",
            "$inf = Join-Path $env:TEMP 'vmm-password-policy.inf'",
            "Set-Content -Path $inf -Encoding Unicode -Value '[Unicode]', 'Unicode=yes', '[Version]', 'signature=\"$CHICAGO$\"', 'Revision=1', '[System Access]', 'MinimumPasswordLength = 8', 'PasswordComplexity = 1'",
            "secedit /configure /db (Join-Path $env:windir 'security\\local.sdb') /cfg $inf /areas SECURITYPOLICY /quiet",
            "if ($LASTEXITCODE -ne 0) { throw \"secedit exited with $LASTEXITCODE\" }",
            "Remove-Item -Path $inf",
            "# Keyboard, formats, location and system locale for this account...",
            $"Set-WinUserLanguageList -LanguageList {PowerShellString(language)} -Force",
            "Set-Culture -CultureInfo 'fr-FR'",
            $"Set-WinHomeLocation -GeoId {Int(WindowsGeoIdFrance)}",
            "Set-WinSystemLocale -SystemLocale 'fr-FR'",
            "# ...then for the welcome screen and new profiles (the student's is created at first logon)",
            "$xml = Join-Path $env:TEMP 'vmm-international.xml'",
            "Set-Content -Path $xml -Encoding UTF8 -Value '<gs:GlobalizationServices xmlns:gs=\"urn:longhornGlobalizationUnattend\">', "
                + "'<gs:UserList><gs:User UserID=\"Current\" CopySettingsToDefaultUserAcct=\"true\" CopySettingsToSystemAcct=\"true\"/></gs:UserList>', "
                + $"'<gs:InputPreferences><gs:InputLanguageID Action=\"add\" ID=\"{inputProfile}\" Default=\"true\"/></gs:InputPreferences>', "
                + "'<gs:UserLocale><gs:Locale Name=\"fr-FR\" SetAsCurrent=\"true\"/></gs:UserLocale>', "
                + $"'<gs:LocationPreferences><gs:GeoID Value=\"{Int(WindowsGeoIdFrance)}\"/></gs:LocationPreferences>', "
                + "'</gs:GlobalizationServices>'",
            "Start-Process -FilePath control.exe -ArgumentList \"intl.cpl,,/f:`\"$xml`\"\" -Wait",
            "Remove-Item -Path $xml",
        ];
        Provisioner(file, "windows-settings", settings, passwordVariable: false);

        string[] accounts =
        [
            "$ErrorActionPreference = 'Stop'",
            "if (-not $env:VMM_PASSWORD_B64) { throw 'VMM_PASSWORD_B64 is empty: no password to set' }",
            "$password = ConvertTo-SecureString -String ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($env:VMM_PASSWORD_B64))) -AsPlainText -Force",
            $"$student = {PowerShellString(WindowsAccountName(spec.OwnerUserName))}",
            "function Add-Membership([string]$Sid, [string]$Name) {",
            "  try { Add-LocalGroupMember -SID $Sid -Member $Name } catch [Microsoft.PowerShell.Commands.MemberExistsException] { }",
            "}",
            "# The built-in Administrator by its well-known RID: its name is localized (Administrateur)",
            "$administrator = Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-500' }",
            "$administrator | Set-LocalUser -Password $password -PasswordNeverExpires $true",
            "$administrator | Enable-LocalUser",
            "if (Get-LocalUser -Name $student -ErrorAction SilentlyContinue) {",
            "  Set-LocalUser -Name $student -Password $password -PasswordNeverExpires $true",
            "  Enable-LocalUser -Name $student",
            "} else {",
            "  New-LocalUser -Name $student -Password $password -PasswordNeverExpires -AccountNeverExpires | Out-Null",
            "}",
            "Add-Membership 'S-1-5-32-545' $student # Users",
            "Add-Membership 'S-1-5-32-555' $student # Remote Desktop Users",
            "# Last: Vagrant's own WinRM account (this logon stays valid; later vagrant runs use the new password)",
            "Set-LocalUser -Name 'vagrant' -Password $password -PasswordNeverExpires $true",
        ];
        Provisioner(file, PasswordProvisioner, accounts, passwordVariable: true);
    }

    private static void Provisioner(StringBuilder file, string name, IReadOnlyList<string> script, bool passwordVariable)
    {
        Line(file, 1, $"config.vm.provision \"shell\", name: {Str(name)},");
        if (passwordVariable)
        {
            Line(file, 2, $"env: {{ {Str(Vagrant.PasswordVariable)} => ENV[{Str(Vagrant.PasswordVariable)}] }},");
        }
        Line(file, 2, "inline: [");
        foreach (var line in script)
        {
            Line(file, 3, Str(line) + ",");
        }
        Line(file, 2, "].join(\"\\n\")");
    }

    private static void Line(StringBuilder file, int depth, string text) => file.Append(' ', depth * 2).Append(text).Append('\n');

    /// <summary>A double-quoted Ruby literal holding exactly <paramref name="value"/>, in plain ASCII: '#' is
    /// always escaped (so neither #{}, #@ nor #$ interpolates), control and non-ASCII characters become \u{...}.</summary>
    internal static string Str(string value)
    {
        var literal = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '\\': literal.Append(@"\\"); break;
                case '"': literal.Append("\\\""); break;
                case '#': literal.Append(@"\#"); break;
                case '\n': literal.Append(@"\n"); break;
                case '\t': literal.Append(@"\t"); break;
                case < 0x20 or >= 0x7f:
                    literal.Append(@"\u{").Append(rune.Value.ToString("x", CultureInfo.InvariantCulture)).Append('}');
                    break;
                default: literal.Append((char)rune.Value); break;
            }
        }
        return literal.Append('"').ToString();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A POSIX shell single-quoted word.</summary>
    internal static string ShellQuote(string value) => "'" + value.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// A PowerShell expression for <paramref name="value"/> in plain ASCII: Windows PowerShell reads a .ps1 without
    /// BOM (as Vagrant uploads it) as ANSI, so other characters are built with [char]; the rest is single-quoted.
    /// </summary>
    internal static string PowerShellString(string value)
    {
        var parts = new List<string>();
        var quoted = new StringBuilder();
        foreach (var c in value)
        {
            if (c is >= ' ' and < '\u007f')
            {
                quoted.Append(c == '\'' ? "''" : c.ToString());
                continue;
            }
            if (quoted.Length > 0)
            {
                parts.Add($"'{quoted}'");
                quoted.Clear();
            }
            parts.Add($"[char]0x{(int)c:x4}");
        }
        if (quoted.Length > 0 || parts.Count == 0)
        {
            parts.Add($"'{quoted}'");
        }
        // A leading '' makes "+" concatenate strings even when the first part is a [char].
        return parts is [var single] && single[0] == '\'' ? single : $"('' + {string.Join(" + ", parts)})";
    }
}
