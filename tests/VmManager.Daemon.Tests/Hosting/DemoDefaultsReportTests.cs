using VmManager.Daemon.Hosting;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>Without a config file the start says what is actually used: demo defaults, VMMANAGER__ variables, or only the latter.</summary>
public sealed class DemoDefaultsReportTests
{
    [Fact]
    public async Task Start_NoConfigFileOneVariable_WarnsWithTheDemoSectionsInEffectAndTheDataFolder()
    {
        using var work = new TempDirectory();

        var output = await StartAndReadAsync(work, new Dictionary<string, string?> { ["VMMANAGER__Server__Url"] = "http://127.0.0.1:0" });

        Assert.Contains("running the embedded demo defaults for Accounts, Hypervisor, Ldap, Machines, Mail, Storage; set by VMMANAGER__ variables: Server:Url;", output);
        Assert.Contains($"data in {Path.Combine(work.Path, ".data")}, demo accounts on", output);
    }

    [Fact]
    public async Task Start_EveryKeyFromVariables_NoDemoWarning()
    {
        using var work = new TempDirectory();
        var demo = TomlConfiguration.Flatten(TomlConfiguration.Parse(
            await File.ReadAllTextAsync(Path.Combine(Repository.Root, "src", "VmManager.Daemon", "Hosting", "demo.toml"))));
        var variables = demo.Where(pair => !string.IsNullOrEmpty(pair.Value))
            .ToDictionary(pair => "VMMANAGER__" + pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);
        variables["VMMANAGER__Server__Url"] = "http://127.0.0.1:0";
        variables["VMMANAGER__Storage__DataDirectory"] = Path.Combine(work.Path, "state");

        var output = await StartAndReadAsync(work, variables);

        Assert.Contains("configured by ", output);
        Assert.Contains(" VMMANAGER__ variables alone", output);
        Assert.DoesNotContain("demo defaults", output);
    }

    private static async Task<string> StartAndReadAsync(TempDirectory work, Dictionary<string, string?> environment)
    {
        using var daemon = DaemonProcess.Start([], environment, workingDirectory: work.Path);
        await daemon.WaitForListeningAsync();
        var output = daemon.Output;
        daemon.Terminate();
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return output;
    }
}
