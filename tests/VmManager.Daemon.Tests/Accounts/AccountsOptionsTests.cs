using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

public sealed class AccountsOptionsTests
{
    [Theory]
    [InlineData("SessionMinutes", 0, "Accounts:SessionMinutes:")]
    [InlineData("MaxSessionHours", 0, "Accounts:MaxSessionHours:")]
    [InlineData("MaxFailedLoginsPerAccount", 0, "Accounts:MaxFailedLoginsPerAccount:")]
    [InlineData("MaxFailedLoginsPerAddress", 2, "Accounts:MaxFailedLoginsPerAddress: must be at least")]
    [InlineData("FailedLoginWindowSeconds", 0, "Accounts:FailedLoginWindowSeconds:")]
    [InlineData("MaxFailedLoginDelaySeconds", 0, "Accounts:MaxFailedLoginDelaySeconds:")]
    public void Validate_OutOfRange_FailsNamingTheKey(string property, int value, string message)
    {
        var options = new AccountsOptions();
        typeof(AccountsOptions).GetProperty(property)!.SetValue(options, value);

        var result = new AccountsOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith(message, result.FailureMessage);
    }

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new AccountsOptionsValidator().Validate(null, new AccountsOptions()).Succeeded);
        Assert.True(new QuotaOptionsValidator().Validate(null, new QuotaOptions()).Succeeded);
    }

    [Fact]
    public void Validate_NegativeQuota_FailsNamingRoleAndField()
    {
        var options = new QuotaOptions();
        options.Teacher.MaxDiskGiB = -5;

        var result = new QuotaOptionsValidator().Validate(null, options);

        Assert.Equal("Quotas:Teacher:MaxDiskGiB: must be between 0 and 1000000", result.FailureMessage);
    }

    [Fact]
    public async Task Start_BadThrottleSetting_ExitsTwoWithOneLine()
    {
        using var data = new TempDirectory();
        var config = data.File("vm-manager.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Storage": { "DataDirectory": "{{data.Path}}" }, "Accounts": { "MaxFailedLoginsPerAccount": 0 } }
            """);

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Equal("vm-manager: Accounts:MaxFailedLoginsPerAccount: must be between 1 and 1000", error);
    }
}
