using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

/// <summary>Sends one message through the school's relay with System.Net.Mail (MailKit is not available here).</summary>
public sealed class SmtpMailer(IOptions<MailOptions> options)
{
    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        using var client = new SmtpClient(settings.Host, settings.Port)
        {
            EnableSsl = settings.Security == SmtpSecurity.StartTls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            Timeout = settings.TimeoutSeconds * 1000,
        };
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            client.Credentials = new NetworkCredential(settings.UserName, settings.Password);
        }
        message.From ??= new MailAddress(settings.From);
        await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
