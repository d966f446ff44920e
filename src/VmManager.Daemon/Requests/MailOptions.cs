using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

public enum SmtpSecurity
{
    None,
    StartTls,
    /// <summary>Implicit TLS (port 465): TLS from the first byte.</summary>
    Tls,
}

public sealed class MailOptions
{
    public const string Section = "Mail";

    public bool Enabled { get; set; }

    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>PEM file of the CA that signed the relay's certificate; empty trusts the system store.</summary>
    public string? CaCertificatePath { get; set; }

    public string? UserName { get; set; }

    /// <summary>Usually from a credentials file (Mail__Password).</summary>
    public string? Password { get; set; }

    public string From { get; set; } = "VmManager <vm-manager@localhost>";

    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Attempts per message before it is marked failed; the back-off doubles from the first delay up to the cap.</summary>
    public int MaxAttempts { get; set; } = 20;

    public int RetryFirstDelaySeconds { get; set; } = 30;

    public int RetryMaxDelaySeconds { get; set; } = 3600;

    /// <summary>The delay before attempt <paramref name="failedAttempts"/> + 1.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var seconds = RetryFirstDelaySeconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, RetryMaxDelaySeconds));
    }
}

public sealed class MailOptionsValidator : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        string? problem = options switch
        {
            { Host: null or "" } => "Mail:Host: is required when Mail:Enabled is true",
            { Port: < 1 or > 65535 } => "Mail:Port: must be between 1 and 65535",
            { CaCertificatePath: { Length: > 0 } ca } when !File.Exists(ca) => $"Mail:CaCertificatePath: '{ca}' does not exist",
            { TimeoutSeconds: < 1 or > 600 } => "Mail:TimeoutSeconds: must be between 1 and 600",
            { MaxAttempts: < 1 or > 1000 } => "Mail:MaxAttempts: must be between 1 and 1000",
            { RetryFirstDelaySeconds: < 1 or > 86400 } => "Mail:RetryFirstDelaySeconds: must be between 1 and 86400",
            { RetryMaxDelaySeconds: < 1 or > 604800 } => "Mail:RetryMaxDelaySeconds: must be between 1 and 604800 (a week)",
            _ when options.RetryMaxDelaySeconds < options.RetryFirstDelaySeconds => "Mail:RetryMaxDelaySeconds: must be at least Mail:RetryFirstDelaySeconds",
            _ when !string.IsNullOrEmpty(options.UserName) && string.IsNullOrEmpty(options.Password) =>
                "Mail:Password: is required when Mail:UserName is set (put it in a credentials file)",
            _ when !string.IsNullOrEmpty(options.UserName) && options.Security == SmtpSecurity.None =>
                "Mail:Security: must be StartTls or Tls when Mail:UserName is set (the password would cross the network in clear)",
            _ => null,
        };
        if (problem is not null)
        {
            return ValidateOptionsResult.Fail(problem);
        }
        try
        {
            _ = new MailAddress(options.From);
        }
        catch (FormatException)
        {
            return ValidateOptionsResult.Fail($"Mail:From: '{options.From}' is not an e-mail address");
        }
        return ValidateOptionsResult.Success;
    }
}
