using System.Net;
using System.Net.Mail;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

/// <summary>
/// Sends one message through the school's relay: System.Net.Mail for None and StartTls (MailKit is not
/// available here), <see cref="ImplicitTlsSmtp"/> for Tls.
/// </summary>
public sealed class SmtpMailer
{
    private readonly MailOptions _settings;
    private readonly RemoteCertificateValidationCallback? _validate;

    public SmtpMailer(IOptions<MailOptions> options)
    {
        _settings = options.Value;
        if (_settings is { Enabled: true, CaCertificatePath: { Length: > 0 } caFile })
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caFile);
            _validate = (_, certificate, _, errors) => TrustedBy(authorities, certificate, errors);
            if (_settings.Security == SmtpSecurity.StartTls)
            {
                // SmtpClient has no per-client hook: it asks this process-wide callback, which nothing else here uses.
#pragma warning disable SYSLIB0014
                ServicePointManager.ServerCertificateValidationCallback = _validate;
#pragma warning restore SYSLIB0014
            }
        }
    }

    /// <summary>Trusts Mail:CaCertificatePath besides the system store; null without one.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation => _validate;

    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        message.From ??= new MailAddress(_settings.From);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_settings.TimeoutSeconds));
        if (_settings.Security == SmtpSecurity.Tls)
        {
            await ImplicitTlsSmtp.SendAsync(_settings, message, _validate, timeout.Token).ConfigureAwait(false);
            return;
        }
        using var client = new SmtpClient(_settings.Host, _settings.Port)
        {
            EnableSsl = _settings.Security == SmtpSecurity.StartTls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            Timeout = _settings.TimeoutSeconds * 1000,
        };
        if (!string.IsNullOrEmpty(_settings.UserName))
        {
            client.Credentials = new NetworkCredential(_settings.UserName, _settings.Password);
        }
        await client.SendMailAsync(message, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>The host name must match; only the chain may end at the configured CA instead of the system store.</summary>
    private static bool TrustedBy(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
