using VmManager.Daemon.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Consoles;

public sealed class ConsoleOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new ConsoleOptionsValidator().Validate(null, new ConsoleOptions()).Succeeded);
    }

    [Theory]
    [InlineData(nameof(ConsoleOptions.TicketLifetimeSeconds), 61, "Consoles:TicketLifetimeSeconds: must be between 1 and 60")]
    [InlineData(nameof(ConsoleOptions.TicketLifetimeSeconds), 0, "Consoles:TicketLifetimeSeconds:")]
    [InlineData(nameof(ConsoleOptions.MaxSessionsPerUser), 0, "Consoles:MaxSessionsPerUser:")]
    [InlineData(nameof(ConsoleOptions.MaxSessionsPerVm), 0, "Consoles:MaxSessionsPerVm:")]
    [InlineData(nameof(ConsoleOptions.KeepAliveSeconds), 60, "Consoles:KeepAliveSeconds: must be between 1 and 45")]
    [InlineData(nameof(ConsoleOptions.BufferBytes), 1024, "Consoles:BufferBytes:")]
    public void Validate_OutOfRange_FailsNamingTheKey(string property, int value, string message)
    {
        var options = new ConsoleOptions();
        typeof(ConsoleOptions).GetProperty(property)!.SetValue(options, value);

        var result = new ConsoleOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith(message, result.FailureMessage);
    }

    [Fact]
    public async Task Start_TicketLifetimeAboveOneMinute_ExitsTwoWithOneLine()
    {
        using var data = new TempDirectory();
        var config = data.File("vm-manager.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Storage": { "DataDirectory": "{{data.Path}}" }, "Consoles": { "TicketLifetimeSeconds": 300 } }
            """);

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Equal("vm-manager: Consoles:TicketLifetimeSeconds: must be between 1 and 60", error);
    }
}
