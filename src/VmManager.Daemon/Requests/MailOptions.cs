using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

public enum SmtpSecurity
{
    None,
    StartTls,
    /// <summary>Implicit TLS (port 465).</summary>
    Tls,
}

public sealed class MailOptions
{
    public const string Section = "Mail";

    public bool Enabled { get; set; }

    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? UserName { get; set; }

    /// <summary>Usually from a credentials file (Mail__Password).</summary>
    public string? Password { get; set; }

    public string From { get; set; } = "VmManager <vm-manager@localhost>";

    public int TimeoutSeconds { get; set; } = 30;
}

public sealed class MailOptionsValidator : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            return ValidateOptionsResult.Fail("Mail:Host: is required when Mail:Enabled is true");
        }
        if (options.Port is < 1 or > 65535)
        {
            return ValidateOptionsResult.Fail("Mail:Port: must be between 1 and 65535");
        }
        if (options.Security == SmtpSecurity.Tls)
        {
            return ValidateOptionsResult.Fail("Mail:Security: implicit TLS is not supported by System.Net.Mail; use StartTls (port 587) or None");
        }
        try
        {
            _ = new MailAddress(options.From);
        }
        catch (FormatException)
        {
            return ValidateOptionsResult.Fail($"Mail:From: '{options.From}' is not an e-mail address");
        }
        return options.TimeoutSeconds is < 1 or > 600
            ? ValidateOptionsResult.Fail("Mail:TimeoutSeconds: must be between 1 and 600")
            : ValidateOptionsResult.Success;
    }
}
