using Microsoft.Extensions.Configuration;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>The TOML config format, and the JSON files of installs from before it.</summary>
public sealed class TomlConfigurationTests
{
    /// <summary>The former example config, as an install from before TOML keeps it.</summary>
    private static string LegacyJson => Path.Combine(Repository.Root, "tests", "VmManager.Daemon.Tests", "Hosting", "vm-manager.legacy.json");

    [Fact]
    public void Flatten_TablesAndArrays_BecomeSectionsAndIndexedKeys()
    {
        var data = TomlConfiguration.Flatten(TomlConfiguration.Parse("""
            Top = true
            [Server]
            KnownProxies = ["127.0.0.1", "::1"]
            Empty = []
            [[Machines.Templates]]
            Id = "tiny"
            Cpus = { Default = 1, Max = 2 }
            [[Machines.Templates]]
            Id = "big"
            [Logging.LogLevel]
            "Microsoft.AspNetCore" = "Warning"
            """));

        Assert.Equal(new Dictionary<string, string?>
        {
            ["Top"] = "True",
            ["Server:KnownProxies:0"] = "127.0.0.1",
            ["Server:KnownProxies:1"] = "::1",
            ["Server:Empty"] = null,
            ["Machines:Templates:0:Id"] = "tiny",
            ["Machines:Templates:0:Cpus:Default"] = "1",
            ["Machines:Templates:0:Cpus:Max"] = "2",
            ["Machines:Templates:1:Id"] = "big",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        }, data);
    }

    [Fact]
    public async Task CheckConfig_ExplicitJsonFileOfAnOlderInstall_IsStillRead()
    {
        using var data = new TempDirectory();

        var result = await DaemonProcess.RunToExitAsync(["check-config", "--config", LegacyJson], ExampleConfigTests.LocalEnvironment(data));

        Assert.Equal((0, "", "ok"), result);
    }

    [Fact]
    public async Task CheckConfig_PrintToml_OfAJsonFile_RoundTripsToTheSameSettings()
    {
        using var data = new TempDirectory();
        var converted = data.File("vm-manager.toml");

        var (exitCode, error, toml) = await DaemonProcess.RunToExitAsync(["check-config", "--config", LegacyJson, "--print-toml"]);
        Assert.Equal((0, ""), (exitCode, error));
        await File.WriteAllTextAsync(converted, toml);

        // JSON null has no TOML form: left out, it binds the same (the option keeps its default).
        var fromJson = new ConfigurationBuilder().AddJsonFile(LegacyJson).Build().AsEnumerable().Where(pair => pair.Value is not null);
        var fromToml = new ConfigurationBuilder().AddInMemoryCollection(TomlConfiguration.Flatten(TomlConfiguration.Parse(toml))).Build().AsEnumerable()
            .Where(pair => pair.Value is not null).ToList();
        Assert.Equal(fromJson.OrderBy(pair => pair.Key), fromToml.OrderBy(pair => pair.Key));
        Assert.Contains(fromToml, pair => pair.Key == "Machines:Templates:1:Cpus:Max" && pair.Value == "4");
        Assert.Equal((0, "", "ok"), await DaemonProcess.RunToExitAsync(["check-config", "--config", converted], ExampleConfigTests.LocalEnvironment(data)));
    }

    [Fact]
    public async Task CheckConfig_PrintTomlOfATomlFile_ExitsUsage()
    {
        var (exitCode, error, output) = await DaemonProcess.RunToExitAsync(["check-config", "--config", ExampleConfigTests.Example, "--print-toml"]);

        Assert.Equal((64, ""), (exitCode, output));
        Assert.StartsWith("vm-manager check-config: --print-toml converts a .json config file", error);
    }
}
