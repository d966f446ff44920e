using Microsoft.Extensions.Configuration;
using VmManager.Daemon.Requests;

namespace VmManager.Daemon.Tests.Requests;

public sealed class RequestsOptionsTests
{
    [Theory]
    [InlineData("Requests:NotifyAddresses:0", "not an address", "Requests:NotifyAddresses: 'not an address' is not an e-mail address")]
    [InlineData("Requests:Language", "de", "Requests:Language: 'de' is not fr or en")]
    [InlineData("Requests:MaxOpenPerStudent", "0", "Requests:MaxOpenPerStudent: must be between 1 and 1000")]
    [InlineData("Requests:MaxPerDay", "0", "Requests:MaxPerDay: must be between 1 and 10000")]
    [InlineData("Requests:MaxDurationDays", "0", "Requests:MaxDurationDays: must be between 1 and 3660")]
    [InlineData("Requests:MaxAmounts:LifetimeHours", "0", "Requests:MaxAmounts:LifetimeHours: must be between 1 and 1000000")]
    [InlineData("Requests:MaxAmounts:MemoryMiB", "-1", "Requests:MaxAmounts:MemoryMiB: must be between 1 and 1000000")]
    [InlineData("Requests:LeaseWarnings:0", "tomorrow", "Requests:LeaseWarnings: 'tomorrow' is not a duration")]
    [InlineData("Requests:LeaseWarnings:0", "0:00:00", "Requests:LeaseWarnings: '0:00:00' is not a duration")]
    [InlineData("Requests:LeaseWarnings:0", "31.00:00:00", "Requests:LeaseWarnings: '31.00:00:00' is not a duration")]
    [InlineData("Requests:LeaseWarningScanSeconds", "0", "Requests:LeaseWarningScanSeconds: must be between 1 and 3600")]
    public void Validate_BadValue_FailsNamingTheKey(string key, string value, string message)
    {
        var result = new RequestsOptionsValidator().Validate(null, Bind<RequestsOptions>("Requests", key, value));

        Assert.True(result.Failed);
        Assert.StartsWith(message, result.FailureMessage);
    }

    [Theory]
    [InlineData("Mail:Port", "0", "Mail:Port: must be between 1 and 65535")]
    [InlineData("Mail:CaCertificatePath", "/nonexistent/ca.pem", "Mail:CaCertificatePath: '/nonexistent/ca.pem' does not exist")]
    [InlineData("Mail:MaxAttempts", "0", "Mail:MaxAttempts: must be between 1 and 1000")]
    [InlineData("Mail:RetryMaxDelaySeconds", "10", "Mail:RetryMaxDelaySeconds: must be at least Mail:RetryFirstDelaySeconds")]
    [InlineData("Mail:UserName", "vm-manager", "Mail:Password: is required when Mail:UserName is set")]
    [InlineData("Mail:From", "nobody", "Mail:From: 'nobody' is not an e-mail address")]
    public void ValidateMail_BadValue_FailsNamingTheKey(string key, string value, string message)
    {
        var options = Bind<MailOptions>("Mail", key, value, ("Mail:Enabled", "true"), ("Mail:Host", "smtp.school.test"), ("Mail:RetryFirstDelaySeconds", "30"));

        var result = new MailOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith(message, result.FailureMessage);
    }

    [Fact]
    public void ValidateMail_PasswordWithoutTls_IsRefused()
    {
        var options = Bind<MailOptions>("Mail", "Mail:Security", "None", ("Mail:Enabled", "true"), ("Mail:Host", "smtp"), ("Mail:UserName", "u"), ("Mail:Password", "p"));

        Assert.StartsWith("Mail:Security: must be StartTls or Tls when Mail:UserName is set", new MailOptionsValidator().Validate(null, options).FailureMessage);
    }

    [Fact]
    public void Validate_DefaultsAndImplicitTls_Succeed()
    {
        Assert.True(new RequestsOptionsValidator().Validate(null, new RequestsOptions()).Succeeded);
        var tls = Bind<MailOptions>("Mail", "Mail:Security", "Tls", ("Mail:Enabled", "true"), ("Mail:Host", "smtp"), ("Mail:Port", "465"));
        Assert.True(new MailOptionsValidator().Validate(null, tls).Succeeded);
    }

    [Theory]
    [InlineData("24:00:00", 24 * 60)]
    [InlineData("01:00:00", 60)]
    [InlineData("1:30", 90)]
    [InlineData("2.00:00:00", 48 * 60)]
    [InlineData("0:15:00", 15)]
    public void ParseDuration_HoursBeyond23_AreHoursNotDays(string text, int minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), RequestsOptions.ParseDuration(text));
    }

    [Fact]
    public void EffectiveLeaseWarnings_NoneConfigured_Are24HoursAnd1Hour()
    {
        Assert.Equal([TimeSpan.FromHours(24), TimeSpan.FromHours(1)], new RequestsOptions().EffectiveLeaseWarnings);
        Assert.Equal([TimeSpan.FromHours(2)], Bind<RequestsOptions>("Requests", "Requests:LeaseWarnings:0", "02:00:00").EffectiveLeaseWarnings);
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(5, 480)]
    [InlineData(8, 3600)]
    [InlineData(20, 3600)]
    public void RetryDelay_DoublesUpToTheCap(int failedAttempts, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), new MailOptions().RetryDelay(failedAttempts));
    }

    private static T Bind<T>(string section, string key, string value, params (string Key, string Value)[] more) where T : new()
    {
        var options = new T();
        new ConfigurationBuilder()
            .AddInMemoryCollection(more.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)).Append(KeyValuePair.Create(key, (string?)value)))
            .Build().GetSection(section).Bind(options);
        return options;
    }
}
