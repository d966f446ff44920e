using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>deploy/vm_manager.service as systemd reads it; systemd-analyze works without systemd as PID 1.</summary>
public sealed class SystemdUnitTests
{
    public static string Unit => Path.Combine(Repository.Root, "deploy", "vm_manager.service");

    [Fact]
    public async Task Verify_WithItsBinaryPresent_ReportsNothing()
    {
        using var temp = new TempDirectory();

        var outcome = await VerifyAsync(File.ReadAllText(Unit), Repository.DaemonBinary, temp);

        Assert.Equal(0, outcome.ExitCode);
        // verify exits 0 even for an unknown or misspelt key: the warnings are the verdict.
        Assert.Equal("", (outcome.Output + outcome.Error).Trim());
    }

    [Fact]
    public async Task Verify_MisspeltKey_IsReported()
    {
        using var temp = new TempDirectory();

        var outcome = await VerifyAsync(File.ReadAllText(Unit).Replace("WatchdogSec=", "WatchDogSec=", StringComparison.Ordinal), Repository.DaemonBinary, temp);

        Assert.Contains("Unknown key 'WatchDogSec'", outcome.Error);
    }

    [Fact]
    public async Task Security_OfflineReview_ExposureAtMostOnePointFive()
    {
        var outcome = await ExternalCommand.RunAsync("systemd-analyze", ["security", "--offline=true", "--no-pager", Unit]);

        var match = Regex.Match(outcome.Output, @"Overall exposure level for vm_manager\.service: (\d+\.\d)");
        Assert.True(match.Success, outcome.Output + outcome.Error);
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 1.5, $"exposure {exposure}: the sandbox got weaker\n{outcome.Output}");
    }

    [Fact]
    public void Unit_PathsAgreeWithTheDaemonAndTheExampleConfig()
    {
        var unit = File.ReadAllLines(Unit);
        var example = new ConfigurationBuilder().AddInMemoryCollection(TomlConfiguration.Flatten(TomlConfiguration.Parse(File.ReadAllText(ExampleConfigTests.Example)))).Build();

        Assert.Contains($"ExecStart=/opt/vm-manager/vm-manager --config {DaemonConfiguration.DefaultPath}", unit);
        Assert.Contains("Type=notify", unit);
        Assert.Contains("StateDirectory=vm-manager", unit);
        Assert.Equal("/var/lib/vm-manager", example["Storage:DataDirectory"]);
        Assert.Contains($"Environment=VAGRANT_HOME={example["Hypervisor:VagrantHome"]}", unit);
        Assert.StartsWith("/var/lib/vm-manager/", example["Machines:VmRoot"]);
        // The unit hands over exactly the secrets the admin commands read from the store themselves.
        var credentials = unit.Where(line => line.StartsWith("LoadCredential=", StringComparison.Ordinal))
            .Select(line => line["LoadCredential=".Length..].Split(':'))
            .ToDictionary(pair => pair[0].Replace("__", ":", StringComparison.Ordinal), pair => pair[1]);
        Assert.Equal(DaemonConfiguration.CredentialFiles.OrderBy(pair => pair.Key), credentials.OrderBy(pair => pair.Key));
    }

    [Fact]
    public void Unit_StartFailingEveryTime_TripsTheStartLimitInsteadOfLoopingForever()
    {
        var unit = Settings();

        // A start that fails at once (216/GROUP) comes back every RestartSec: the burst must fit in the interval.
        var restart = Seconds(unit["RestartSec"]);
        var burst = int.Parse(unit["StartLimitBurst"], CultureInfo.InvariantCulture);
        Assert.True(burst * restart < Seconds(unit["StartLimitIntervalSec"]), $"{burst} restarts {restart} s apart never trip StartLimitIntervalSec={unit["StartLimitIntervalSec"]}");
    }

    [Fact]
    public void Unit_HungDaemon_IsKilledSoonAfterTheWatchdogFires()
    {
        var unit = Settings();

        // The watchdog's SIGABRT does not end a stopped .NET process: SIGKILL follows after TimeoutAbortSec,
        // which defaults to TimeoutStopSec (90 s). NspawnUnitTests measures the whole return.
        Assert.True(Seconds(unit["TimeoutAbortSec"]) <= 15, $"TimeoutAbortSec={unit["TimeoutAbortSec"]}");
        Assert.True(Seconds(unit["TimeoutAbortSec"]) < Seconds(unit["TimeoutStopSec"]));
    }

    [Fact]
    public void Unit_ConfigurationDirectoryMode_IsWhatInstallShMakes()
    {
        // Otherwise systemd re-applies 0755 to /etc/vm-manager at every start, with a warning.
        Assert.Equal("0750", Settings()["ConfigurationDirectoryMode"]);
    }

    /// <summary>The unit's Key=Value lines (a later line wins, as in systemd); list-valued keys are not needed here.</summary>
    private static Dictionary<string, string> Settings() => File.ReadAllLines(Unit)
        .Where(line => line.Contains('=') && !line.StartsWith('#'))
        .Select(line => line.Split('=', 2))
        .GroupBy(pair => pair[0])
        .ToDictionary(group => group.Key, group => group.Last()[1]);

    private static double Seconds(string timeSpan) =>
        double.Parse(timeSpan.EndsWith('s') ? timeSpan[..^1] : timeSpan, CultureInfo.InvariantCulture);

    /// <summary>verify insists that ExecStart's binary exists: check a copy that points at <paramref name="binary"/>.</summary>
    internal static Task<CommandOutcome> VerifyAsync(string unitText, string binary, TempDirectory temp)
    {
        var copy = temp.File("vm_manager.service");
        File.WriteAllText(copy, unitText.Replace("ExecStart=/opt/vm-manager/vm-manager ", $"ExecStart={binary} ", StringComparison.Ordinal));
        return ExternalCommand.RunAsync("systemd-analyze", ["verify", copy]);
    }
}
