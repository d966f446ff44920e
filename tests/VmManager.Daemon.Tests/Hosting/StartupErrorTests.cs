using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>How the one line of a refused start reaches the admin (NspawnUnitTests checks it in a real journal).</summary>
public sealed class StartupErrorTests
{
    [Fact]
    public async Task Start_RefusedUnderSystemd_LineCarriesTheErrPriorityPrefix()
    {
        // systemd sets JOURNAL_STREAM when stderr is the journal; its stream reader turns <3> into PRIORITY=3.
        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", "/nonexistent/vm-manager.json"],
            new Dictionary<string, string?> { ["JOURNAL_STREAM"] = "8:4242" });

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("<3>vm-manager: --config: ", line);
    }

    [Fact]
    public async Task Start_RefusedOnATerminal_LineHasNoPrefix()
    {
        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", "/nonexistent/vm-manager.json"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("vm-manager: --config: ", error);
    }
}
