using VmManager.Daemon.Hosting;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>
/// deploy/install.sh into a scratch root (--prefix: no user, no chown, no systemctl), with this
/// build's output as the published folder (--from) so the test never runs dotnet publish.
/// </summary>
public sealed class InstallScriptTests : IDisposable
{
    private readonly TempDirectory _root = new();

    private static string Published => Path.GetDirectoryName(Repository.DaemonBinary)!;

    private string Installed(string path) => Path.Combine(_root.Path, path);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Install_Twice_UpgradesTheProgramInPlaceAndKeepsConfigAndData()
    {
        var first = await InstallAsync();

        Assert.Equal(0, first.ExitCode);
        Assert.True(File.Exists(Installed("opt/vm-manager/vm-manager")));
        Assert.True(File.GetUnixFileMode(Installed("opt/vm-manager/vm-manager")).HasFlag(UnixFileMode.OtherExecute));
        Assert.Equal(File.ReadAllText(ExampleConfigTests.Example), File.ReadAllText(Installed("etc/vm-manager/vm-manager.toml")));
        Assert.Equal(File.ReadAllText(SystemdUnitTests.Unit), File.ReadAllText(Installed("etc/systemd/system/vm_manager.service")));
        Assert.Equal(Mode("640"), File.GetUnixFileMode(Installed("etc/vm-manager/vm-manager.toml")));
        foreach (var folder in new[] { "etc/vm-manager", "var/lib/vm-manager", "var/lib/vm-manager/student_vms", "var/lib/vm-manager/vagrant.d" })
        {
            Assert.Equal(Mode("750"), File.GetUnixFileMode(Installed(folder)));
        }
        Assert.Equal(Mode("700"), File.GetUnixFileMode(Installed("etc/credstore")));
        Assert.Contains("not creating the vm-manager user", first.Output);

        // What an admin and the daemon leave between two releases.
        File.AppendAllText(Installed("etc/vm-manager/vm-manager.toml"), "\n# edited by the admin\n");
        File.WriteAllText(Installed("var/lib/vm-manager/student_vms/alice.txt"), "a student's VM folder");
        File.WriteAllText(Installed("opt/vm-manager/stale-file-of-the-old-release"), "");

        var second = await InstallAsync();

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("Upgraded", second.Output);
        Assert.EndsWith("# edited by the admin\n", File.ReadAllText(Installed("etc/vm-manager/vm-manager.toml")));
        Assert.Equal("a student's VM folder", File.ReadAllText(Installed("var/lib/vm-manager/student_vms/alice.txt")));
        // A fresh folder was swapped in: nothing of the old release survives, no staging folder is left.
        Assert.False(File.Exists(Installed("opt/vm-manager/stale-file-of-the-old-release")));
        Assert.Equal(["vm-manager"], Directory.GetFileSystemEntries(Installed("opt")).Select(Path.GetFileName));
        var help = await ExternalCommand.RunAsync(Installed("opt/vm-manager/vm-manager"), ["--help"]);
        Assert.Equal(0, help.ExitCode);
    }

    [Fact]
    public async Task Install_OverAnInstallFromBeforeToml_ConvertsItsJsonConfigAndKeepsIt()
    {
        var legacy = File.ReadAllText(Path.Combine(Repository.Root, "tests", "VmManager.Daemon.Tests", "Hosting", "vm-manager.legacy.json"))
            .Replace("\"Host\": \"ldap.school.example\"", "\"Host\": \"ldap.admin-edited.example\"", StringComparison.Ordinal);
        Directory.CreateDirectory(Installed("etc/vm-manager"));
        File.WriteAllText(Installed("etc/vm-manager/vm-manager.json"), legacy);

        var upgrade = await InstallAsync();

        Assert.Equal(0, upgrade.ExitCode);
        Assert.Contains("converting", upgrade.Output);
        Assert.Equal(legacy, File.ReadAllText(Installed("etc/vm-manager/vm-manager.json")));
        var converted = TomlConfiguration.Flatten(TomlConfiguration.Parse(File.ReadAllText(Installed("etc/vm-manager/vm-manager.toml"))));
        Assert.Equal("ldap.admin-edited.example", converted["Ldap:Host"]);
        Assert.Equal(Mode("640"), File.GetUnixFileMode(Installed("etc/vm-manager/vm-manager.toml")));
        Assert.False(File.Exists(Installed("etc/vm-manager/vm-manager.toml.new")));
    }

    [Fact]
    public async Task Install_InstalledUnit_PassesSystemdVerifyAgainstTheInstalledBinary()
    {
        Assert.Equal(0, (await InstallAsync()).ExitCode);
        using var temp = new TempDirectory();

        var verify = await SystemdUnitTests.VerifyAsync(File.ReadAllText(Installed("etc/systemd/system/vm_manager.service")), Installed("opt/vm-manager/vm-manager"), temp);

        Assert.Equal((0, ""), (verify.ExitCode, (verify.Output + verify.Error).Trim()));
    }

    [Fact]
    public async Task Uninstall_KeepsDataAndConfig_PurgeRemovesThem()
    {
        Assert.Equal(0, (await InstallAsync()).ExitCode);
        File.WriteAllText(Installed("var/lib/vm-manager/student_vms/bob.txt"), "kept");

        var uninstall = await RunAsync([Script, "--uninstall", "--prefix", _root.Path]);

        Assert.Equal(0, uninstall.ExitCode);
        Assert.False(Directory.Exists(Installed("opt/vm-manager")));
        Assert.False(File.Exists(Installed("etc/systemd/system/vm_manager.service")));
        Assert.Equal("kept", File.ReadAllText(Installed("var/lib/vm-manager/student_vms/bob.txt")));
        Assert.True(File.Exists(Installed("etc/vm-manager/vm-manager.toml")));

        var purge = await RunAsync([Script, "--uninstall", "--purge", "--prefix", _root.Path]);

        Assert.Equal(0, purge.ExitCode);
        Assert.False(Directory.Exists(Installed("var/lib/vm-manager")));
        Assert.False(Directory.Exists(Installed("etc/vm-manager")));
    }

    [Fact]
    public async Task Install_WithAnNginxSite_InstallsItOnceThenNeverOverwritesTheAdminsCopy()
    {
        // A copy of deploy/ that has the site (written on another branch), to test both cases here.
        using var deploy = new TempDirectory();
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "deploy")))
        {
            File.Copy(file, Path.Combine(deploy.Path, Path.GetFileName(file)));
        }
        var script = Path.Combine(deploy.Path, "install.sh");
        var nginxConf = Path.Combine(deploy.Path, "nginx.conf");
        File.WriteAllText(nginxConf, "server { listen 443 ssl; }\n");

        Assert.Equal(0, (await RunAsync([script, "--prefix", _root.Path, "--from", Published])).ExitCode);
        Assert.Equal("server { listen 443 ssl; }\n", File.ReadAllText(Installed("etc/nginx/sites-available/vm-manager")));
        Assert.Equal("../sites-available/vm-manager", new FileInfo(Installed("etc/nginx/sites-enabled/vm-manager")).LinkTarget);

        File.WriteAllText(Installed("etc/nginx/sites-available/vm-manager"), "server { server_name vms.school.example; }\n");
        File.WriteAllText(nginxConf, "server { listen 443 ssl http2; }\n");
        var upgrade = await RunAsync([script, "--prefix", _root.Path, "--from", Published]);

        Assert.Equal(0, upgrade.ExitCode);
        Assert.Equal("server { server_name vms.school.example; }\n", File.ReadAllText(Installed("etc/nginx/sites-available/vm-manager")));
        Assert.Equal("server { listen 443 ssl http2; }\n", File.ReadAllText(Installed("etc/nginx/sites-available/vm-manager.new")));
        Assert.Contains("merge it by hand", upgrade.Output);
    }

    [Fact]
    public async Task Install_WithoutAnNginxSite_SaysSoAndInstallsTheRest()
    {
        using var deploy = new TempDirectory();
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "deploy")).Where(file => !file.EndsWith("nginx.conf", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(deploy.Path, Path.GetFileName(file)));
        }

        var install = await RunAsync([Path.Combine(deploy.Path, "install.sh"), "--prefix", _root.Path, "--from", Published]);

        Assert.Equal(0, install.ExitCode);
        Assert.Contains("no deploy/nginx.conf in this checkout: nginx site not installed", install.Output);
        Assert.False(Directory.Exists(Installed("etc/nginx")));
        Assert.True(File.Exists(Installed("opt/vm-manager/vm-manager")));
    }

    [Fact]
    public async Task Install_ForTheRealSystemInAPrivateMountNamespace_CreatesTheUserAndKeepsOwnershipRight()
    {
        // The script overlays /etc, /opt and /var/lib inside the namespace: the host gets no user, no file.
        var script = Path.Combine(Repository.Root, "tests", "VmManager.Daemon.Tests", "Hosting", "install-as-root.sh");

        var outcome = await ExternalCommand.RunAsync("unshare", ["--mount", "--propagation", "private", "bash", script, _root.Path, Repository.Root, Published]);

        Assert.True(outcome.ExitCode == 0, outcome.Output + outcome.Error);
        Assert.EndsWith("all checks passed", outcome.Output.Trim());
        Assert.Contains("creating the system user vm-manager", outcome.Output);
        Assert.Contains("checking /etc/vm-manager/vm-manager.toml with the new release", outcome.Output);
        Assert.Contains("backing up the database to /var/lib/vm-manager/backups/before-upgrade-", outcome.Output);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--prefix")]
    public async Task Install_BadArguments_Exits64WithUsage(string argument)
    {
        var outcome = await RunAsync([Script, argument]);

        Assert.Equal(64, outcome.ExitCode);
        Assert.Contains("deploy/install.sh --uninstall", outcome.Error);
    }

    [Fact]
    public async Task Install_FromAFolderWithoutTheDaemon_FailsAndLeavesNothing()
    {
        using var empty = new TempDirectory();

        var outcome = await RunAsync([Script, "--prefix", _root.Path, "--from", empty.Path]);

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("no executable vm-manager", outcome.Error);
        Assert.Empty(Directory.GetFileSystemEntries(Installed("opt")));
    }

    private static string Script => Path.Combine(Repository.Root, "deploy", "install.sh");

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private Task<CommandOutcome> InstallAsync() => RunAsync([Script, "--prefix", _root.Path, "--from", Published]);

    private static Task<CommandOutcome> RunAsync(string[] arguments) => ExternalCommand.RunAsync("bash", arguments);
}
