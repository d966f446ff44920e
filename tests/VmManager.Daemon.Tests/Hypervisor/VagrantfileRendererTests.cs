using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hypervisor;

/// <summary>Rendered files are loaded by the real Ruby (<see cref="VagrantfileProbe"/>), so the checks are on what Vagrant would read.</summary>
[SupportedOSPlatform("linux")]
public sealed class VagrantfileRendererTests
{
    private const string Libvirt = "vm.provider(:libvirt).";

    private static readonly HypervisorOptions Hypervisor = new()
    {
        LibvirtUri = "qemu:///system",
        StoragePool = "vmm-pool",
        ManagementNetwork = "vmm-net",
    };

    private static readonly string[] HostileStrings =
    [
        "a\"b", "#{`id`}", "#@x #$0", "back\\slash\\", "line\nbreak\r\n", "\"; system(\"id\"); \"", "é ü 😀", "nul\0del\u007f", "'single' `tick` $HOME",
    ];

    [Fact]
    public async Task Render_LinuxTemplate_EmitsBoxResourcesConsoleAndNetwork()
    {
        using var folder = new TempDirectory();
        var template = LinuxTemplate();
        template.BoxVersion = "12.20240503.1";

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(template, cpus: 2, memoryMiB: 2048, diskGiB: 20), Hypervisor);

        Assert.Equal("debian/bookworm64", settings["vm.box"].GetString());
        Assert.Equal("12.20240503.1", settings["vm.box_version"].GetString());
        Assert.True(settings["vm.boot_timeout"].GetInt32() > 0);
        Assert.True(settings["vm.graceful_halt_timeout"].GetInt32() > 0);
        Assert.Equal("qemu:///system", settings[Libvirt + "uri"].GetString());
        Assert.Equal("kvm", settings[Libvirt + "driver"].GetString());
        Assert.Equal(2048, settings[Libvirt + "memory"].GetInt32());
        Assert.Equal(2, settings[Libvirt + "cpus"].GetInt32());
        Assert.Equal("vnc", settings[Libvirt + "graphics_type"].GetString());
        Assert.Equal("127.0.0.1", settings[Libvirt + "graphics_ip"].GetString());
        Assert.False(settings.ContainsKey(Libvirt + "graphics_port"), "a port, even -1, turns vagrant-libvirt's autoport off");
        Assert.Equal("fr", settings[Libvirt + "keymap"].GetString());
        Assert.Equal("vmm-pool", settings[Libvirt + "storage_pool_name"].GetString());
        Assert.Equal("vmm-net", settings[Libvirt + "management_network_name"].GetString());
        Assert.True(settings[Libvirt + "management_network_keep"].GetBoolean());
        Assert.Equal("vmm-alice-vm1-", settings[Libvirt + "default_prefix"].GetString());
        Assert.Equal(20, settings[Libvirt + "machine_virtual_size"].GetInt32());
        var sharedFolder = Assert.Single(settings["vm.synced_folder"].EnumerateArray());
        Assert.True(sharedFolder.GetProperty("options").GetProperty("disabled").GetBoolean());
        Assert.False(settings.ContainsKey("vm.communicator"));
    }

    [Fact]
    public async Task Render_AnyTemplate_NoVncWebsocketAndTheVncPasswordOnlyFromTheEnvironment()
    {
        using var folder = new TempDirectory();
        var spec = Spec(LinuxTemplate(), cpus: 1, memoryMiB: 512, diskGiB: 10);

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, spec, Hypervisor,
            new Dictionary<string, string> { [Vagrant.VncPasswordVariable] = "Ab3dEf7h" });
        var withoutVariable = await VagrantfileProbe.EvaluateAsync(folder.Path);

        // nil, not unset: vagrant-libvirt turns an unset value into -1, a websocket listener without a password.
        Assert.Equal(JsonValueKind.Null, settings[Libvirt + "graphics_websocket"].ValueKind);
        Assert.Equal("Ab3dEf7h", settings[Libvirt + "graphics_passwd"].GetString());
        Assert.DoesNotContain("Ab3dEf7h", await File.ReadAllTextAsync(folder.File("Vagrantfile")));
        Assert.False(withoutVariable.ContainsKey(Libvirt + "graphics_passwd"));
    }

    [Fact]
    public async Task Render_LinuxTemplate_PasswordProvisionerReadsTheVariableInTheGuest()
    {
        using var folder = new TempDirectory();
        var environment = new Dictionary<string, string> { [Vagrant.PasswordVariable] = "U2VjcmV0" };

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(LinuxTemplate()), Hypervisor, environment);

        var provisioner = VagrantfileProbe.Provisioner(settings, VagrantfileRenderer.PasswordProvisioner);
        Assert.Equal("U2VjcmV0", provisioner.GetProperty("env").GetProperty(Vagrant.PasswordVariable).GetString());
        var script = provisioner.GetProperty("inline").GetString()!;
        Assert.StartsWith("#!/bin/sh\n", script);
        Assert.Contains("user='student'", script);
        Assert.Contains("base64 -d", script);
        Assert.Contains("| chpasswd", script);
    }

    [Theory]
    [InlineData("root", true)]
    [InlineData("it's; touch /tmp/x", false)]
    public async Task Render_LinuxProvisionerScript_CreatesAMissingUserAndPipesTheDecodedPassword(string loginUser, bool exists)
    {
        // The guest's tools are stand-ins here (the rig test runs the script in a real guest): they record their input.
        using var folder = new TempDirectory();
        var bin = Directory.CreateDirectory(folder.File("bin")).FullName;
        await WriteExecutableAsync(Path.Combine(bin, "chpasswd"), $"#!/bin/sh\ncat > '{folder.File("chpasswd.in")}'\n");
        await WriteExecutableAsync(Path.Combine(bin, "useradd"), $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{folder.File("useradd.args")}'\n");
        await WriteExecutableAsync(Path.Combine(bin, "id"), $"#!/bin/sh\n[ \"$2\" = {VagrantfileRenderer.ShellQuote(exists ? loginUser : "-")} ]\n");
        var template = LinuxTemplate();
        template.LoginUser = loginUser;
        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(template), Hypervisor);
        var script = folder.File("provision.sh");
        await WriteExecutableAsync(script, VagrantfileProbe.Provisioner(settings, VagrantfileRenderer.PasswordProvisioner).GetProperty("inline").GetString()!);
        const string password = "a$HOME`id`b\\c\"d'e é!:";

        var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine(script, [], TimeSpan.FromSeconds(30))
        {
            Environment = new Dictionary<string, string>
            {
                ["PATH"] = $"{bin}:/usr/bin:/bin",
                [Vagrant.PasswordVariable] = Convert.ToBase64String(Encoding.UTF8.GetBytes(password)),
            },
        });

        Assert.True(result.Succeeded, result.Output);
        Assert.Equal($"{loginUser}:{password}\n", await File.ReadAllTextAsync(folder.File("chpasswd.in")));
        Assert.Equal(!exists, File.Exists(folder.File("useradd.args")));
        if (!exists)
        {
            Assert.Equal($"-m\n-s\n/bin/bash\n{loginUser}\n", await File.ReadAllTextAsync(folder.File("useradd.args")));
        }
    }

    [Fact]
    public async Task Render_LinuxProvisionerScript_WithoutPasswordFailsInsteadOfSettingAnEmptyOne()
    {
        using var folder = new TempDirectory();
        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(LinuxTemplate()), Hypervisor);
        var script = folder.File("provision.sh");
        await WriteExecutableAsync(script, VagrantfileProbe.Provisioner(settings, VagrantfileRenderer.PasswordProvisioner).GetProperty("inline").GetString()!);

        // What Vagrant passes when the daemon forgot the variable: ENV[...] is nil, sent as "".
        var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine(script, [], TimeSpan.FromSeconds(30))
        {
            Environment = new Dictionary<string, string> { [Vagrant.PasswordVariable] = "" },
        });

        Assert.False(result.Succeeded);
        Assert.Contains("no password to set", result.Output);
    }

    [Fact]
    public async Task Render_WindowsTemplate_EmitsWinrmThreeAccountsFrenchLocaleAndPasswordPolicy()
    {
        using var folder = new TempDirectory();

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(WindowsTemplate(), owner: "alice"), Hypervisor);

        Assert.Equal(":windows", settings["vm.guest"].GetString());
        Assert.Equal("winrm", settings["vm.communicator"].GetString());
        Assert.Equal("vagrant", settings["winrm.username"].GetString());
        Assert.Equal("vagrant", settings["winrm.password"].GetString()); // the box's, until provisioned
        Assert.Equal("fr", settings[Libvirt + "keymap"].GetString());
        Assert.Equal("127.0.0.1", settings[Libvirt + "graphics_ip"].GetString());

        var system = VagrantfileProbe.Provisioner(settings, "windows-settings").GetProperty("inline").GetString()!;
        Assert.Contains("Set-WinUserLanguageList -LanguageList 'fr-FR' -Force", system);
        Assert.Contains("Set-Culture -CultureInfo 'fr-FR'", system);
        Assert.Contains("Set-WinSystemLocale -SystemLocale 'fr-FR'", system);
        Assert.Contains("Set-WinHomeLocation -GeoId 84", system);
        Assert.Contains("ID=\"040c:0000040c\"", system); // AZERTY, also for new profiles
        Assert.Contains("CopySettingsToDefaultUserAcct=\"true\"", system);
        Assert.Contains("'MinimumPasswordLength = 8', 'PasswordComplexity = 1'", system);
        Assert.Contains("secedit /configure", system);

        var accounts = VagrantfileProbe.Provisioner(settings, VagrantfileRenderer.PasswordProvisioner);
        var script = accounts.GetProperty("inline").GetString()!;
        Assert.True(accounts.GetProperty("env").TryGetProperty(Vagrant.PasswordVariable, out _));
        Assert.Contains("[Convert]::FromBase64String($env:VMM_PASSWORD_B64)", script);
        Assert.Contains("$student = 'alice'", script);
        Assert.Contains("-like 'S-1-5-21-*-500'", script); // Administrator, whatever its localized name
        Assert.Contains("$administrator | Set-LocalUser -Password $password", script);
        Assert.Contains("New-LocalUser -Name $student -Password $password", script);
        Assert.Contains("Add-Membership 'S-1-5-32-545' $student", script);
        Assert.Contains("Add-Membership 'S-1-5-32-555' $student", script);
        Assert.EndsWith("Set-LocalUser -Name 'vagrant' -Password $password -PasswordNeverExpires $true", script);
        var order = settings["vm.provision"].EnumerateArray().Select(call => call.GetProperty("options").GetProperty("name").GetString()).ToList();
        Assert.Equal(["windows-settings", VagrantfileRenderer.PasswordProvisioner], order); // the policy applies to the new passwords
    }

    [Fact]
    public async Task Render_WindowsTemplateAfterProvisioning_WinrmLogsInWithTheVmPassword()
    {
        using var folder = new TempDirectory();
        var sentinel = Directory.CreateDirectory(Path.Combine(folder.Path, ".vagrant", "machines", "default")).FullName;
        await File.WriteAllTextAsync(Path.Combine(sentinel, "action_provision"), "1.5:8f4e6a0e-0000-0000-0000-000000000000");
        const string password = "Pw-é'\"#{x}";
        var environment = new Dictionary<string, string> { [Vagrant.PasswordVariable] = Convert.ToBase64String(Encoding.UTF8.GetBytes(password)) };

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(WindowsTemplate()), Hypervisor, environment);
        var withoutVariable = await VagrantfileProbe.EvaluateAsync(folder.Path);

        Assert.Equal(password, settings["winrm.password"].GetString());
        Assert.Equal("vagrant", withoutVariable["winrm.password"].GetString()); // never nil: vagrant destroy must still load the file
    }

    [Theory]
    [InlineData("de-ch", "de-CH", "0807:00000807")]
    [InlineData("en-us", "en-US", "0409:00000409")]
    public async Task Render_WindowsTemplate_KeyboardFollowsTheKeymap(string keymap, string language, string inputProfile)
    {
        using var folder = new TempDirectory();
        var template = WindowsTemplate();
        template.Keymap = keymap;

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(template), Hypervisor);

        var system = VagrantfileProbe.Provisioner(settings, "windows-settings").GetProperty("inline").GetString()!;
        Assert.Contains($"Set-WinUserLanguageList -LanguageList '{language}'", system);
        Assert.Contains($"ID=\"{inputProfile}\"", system);
        Assert.Contains("Set-Culture -CultureInfo 'fr-FR'", system);
        Assert.Equal(keymap, settings[Libvirt + "keymap"].GetString());
    }

    [Fact]
    public async Task Render_HostileValues_ReachVagrantExactlyAsGiven()
    {
        foreach (var hostile in HostileStrings)
        {
            using var folder = new TempDirectory();
            var template = LinuxTemplate();
            template.Box = hostile;
            template.BoxVersion = hostile + "v";
            template.Driver = hostile + "d";
            template.Keymap = hostile + "k";
            var hypervisor = new HypervisorOptions { LibvirtUri = hostile + "u", StoragePool = hostile + "p", ManagementNetwork = hostile + "n" };

            var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(template), hypervisor);

            // What Ruby reads back is the input exactly: nothing was interpolated, executed or cut.
            var expected = Normalized(hostile);
            Assert.Equal(expected, settings["vm.box"].GetString());
            Assert.Equal(expected + "v", settings["vm.box_version"].GetString());
            Assert.Equal(expected + "d", settings[Libvirt + "driver"].GetString());
            Assert.Equal(expected + "k", settings[Libvirt + "keymap"].GetString());
            Assert.Equal(expected + "u", settings[Libvirt + "uri"].GetString());
            Assert.Equal(expected + "p", settings[Libvirt + "storage_pool_name"].GetString());
            Assert.Equal(expected + "n", settings[Libvirt + "management_network_name"].GetString());
        }
    }

    [Fact]
    public async Task Render_HostileOwnerOnWindows_BecomesAQuotedValidAccountName()
    {
        using var folder = new TempDirectory();

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(WindowsTemplate(), owner: "o'neil\n\"#{x}`$(id)\u2019[]@."), Hypervisor);

        var script = VagrantfileProbe.Provisioner(settings, VagrantfileRenderer.PasswordProvisioner).GetProperty("inline").GetString()!;
        // Control characters, \" [ ] @ and the trailing '.' dropped; ' doubled, non-ASCII built from its code.
        Assert.Contains("\n$student = ('' + 'o''neil#{x}`$(id)' + [char]0x2019)\n", script);
    }

    [Fact]
    public async Task Render_NonAsciiOwnerOnWindows_ScriptStaysAscii()
    {
        using var folder = new TempDirectory();

        var settings = await VagrantfileProbe.RenderAndEvaluateAsync(folder, Spec(WindowsTemplate(), owner: "élodie"), Hypervisor);

        // Windows PowerShell reads the uploaded .ps1 (UTF-8, no BOM) as ANSI: non-ASCII would arrive garbled.
        var script = VagrantfileProbe.Provisioner(settings, VagrantfileRenderer.PasswordProvisioner).GetProperty("inline").GetString()!;
        Assert.Contains("\n$student = ('' + [char]0x00e9 + 'lodie')\n", script);
        Assert.All(script, c => Assert.True(c < '\u007f', $"non-ASCII U+{(int)c:X4} in the PowerShell script"));
    }

    [Fact]
    public void Render_LabelsAndDescriptions_NeverReachTheFile()
    {
        using var folder = new TempDirectory();
        var template = WindowsTemplate();
        template.LabelFr = "Étiquette \"#{`id`}\nend";
        template.LabelEn = "label-marker";
        template.DescriptionFr = "<description>&";
        template.DescriptionEn = "description-marker";

        var text = VagrantfileRenderer.Render(Spec(template), Hypervisor);

        Assert.DoesNotContain("marker", text);
        Assert.DoesNotContain("tiquette", text);
        Assert.DoesNotContain("<description>", text);
        Assert.All(text, c => Assert.True(c is '\n' or >= ' ' and < '\u007f', $"non-ASCII or control character U+{(int)c:X4}"));
    }

    [Fact]
    public async Task RubyLiteral_AnyString_EvaluatesBackToItself()
    {
        string[] values = [.. HostileStrings, "", "\\#{", "\\\\\"", "\t\u001b\u2028", "\\u{41}"];
        var literals = string.Join('\n', values.Select(VagrantfileRenderer.Str));

        var result = await VagrantfileProbe.Runner.RunAsync(new CommandLine(
            "ruby", ["-e", "require 'json'; print JSON.generate(STDIN.read.split(\"\\n\").map { |literal| eval(literal) })"], TimeSpan.FromSeconds(30))
        {
            StandardInput = literals + "\n",
        });

        Assert.True(result.Succeeded, result.Output);
        Assert.Equal(values, JsonSerializer.Deserialize<string[]>(result.Output));
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("élodie", "élodie")]
    [InlineData("jean.dupont.", "jean.dupont")]
    [InlineData("a\"/\\[]:;|=,+*?<>@b", "ab")]
    [InlineData("tab\there", "tabhere")]
    [InlineData("a-very-long-student-name-indeed", "a-very-long-student-")]
    [InlineData("nineteen-characters.x", "nineteen-characters")]
    [InlineData("...", "student")]
    [InlineData("@@", "student")]
    public void WindowsAccountName_DirectoryName_IsAValidLocalAccountName(string userName, string expected)
    {
        var name = VagrantfileRenderer.WindowsAccountName(userName);

        Assert.Equal(expected, name);
        Assert.InRange(name.Length, 1, 20);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-rf ")]
    [InlineData("vmm alice ")]
    [InlineData("a/b-")]
    public void Render_UnsafeDomainPrefix_Throws(string prefix)
    {
        var spec = Spec(LinuxTemplate()) with { DomainPrefix = prefix };

        Assert.Throws<ArgumentException>(() => VagrantfileRenderer.Render(spec, Hypervisor));
    }

    [Fact]
    public void Render_WindowsKeymapWithoutLayout_Throws()
    {
        var template = WindowsTemplate();
        template.Keymap = "ja";

        var error = Assert.Throws<ArgumentException>(() => VagrantfileRenderer.Render(Spec(template), Hypervisor));

        Assert.Contains("'ja'", error.Message);
    }

    [Fact]
    public void Render_ZeroMemory_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VagrantfileRenderer.Render(Spec(LinuxTemplate(), memoryMiB: 0), Hypervisor));
    }

    internal static MachineTemplate LinuxTemplate() => new()
    {
        Id = "debian",
        LabelEn = "Debian",
        LabelFr = "Debian",
        Box = "debian/bookworm64",
        Driver = "kvm",
        Keymap = "fr",
        LoginUser = "student",
    };

    private static MachineTemplate WindowsTemplate() => new()
    {
        Id = "windows",
        LabelEn = "Windows",
        LabelFr = "Windows",
        Box = "school/windows-11",
        Os = OsFamily.Windows,
        Keymap = "fr",
    };

    private static VagrantfileSpec Spec(MachineTemplate template, int cpus = 1, int memoryMiB = 1024, int diskGiB = 10, string owner = "alice") =>
        new(template, "vmm-alice-vm1-", cpus, memoryMiB, diskGiB, owner);

    // Ruby strings are UTF-8: a lone surrogate cannot get there (it becomes U+FFFD on the way, as in any UTF-8 file).
    private static string Normalized(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

    private static async Task WriteExecutableAsync(string path, string content)
    {
        await File.WriteAllTextAsync(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
