using Microsoft.Extensions.Logging.Abstractions;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Tests.Hosting;

[Collection(EnvironmentCollection.Name)]
public sealed class SystemdNotifierTests
{
    [Fact]
    public async Task Constructor_NotifySocketSet_ChildProcessesDoNotInheritIt()
    {
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", "@vmm-test-inherit");
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "5000000");

        var notifier = new SystemdNotifier();
        var result = await new ProcessRunner(NullLogger<ProcessRunner>.Instance).RunAsync(new CommandLine("/usr/bin/env", [], TimeSpan.FromSeconds(10)));

        Assert.True(notifier.IsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(2.5), notifier.WatchdogInterval);
        Assert.DoesNotContain("NOTIFY_SOCKET", result.Output);
        Assert.DoesNotContain("WATCHDOG_USEC", result.Output);
        Assert.Null(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));
    }

    [Fact]
    public void Constructor_WatchdogForAnotherPid_IsIgnored()
    {
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "5000000");
        Environment.SetEnvironmentVariable("WATCHDOG_PID", "1");

        Assert.Null(new SystemdNotifier().WatchdogInterval);
    }
}

/// <summary>Tests that change this process's environment must not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}
