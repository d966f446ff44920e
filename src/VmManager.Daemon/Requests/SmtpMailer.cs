using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace VmManager.Daemon.Requests;

/// <summary>
/// Talks to the school's relay with MailKit: sends one message, or only checks the relay greets. Each
/// connection checks the relay's certificate against Mail:CaCertificatePath itself (nothing process-wide).
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
        }
    }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        if (message.From.Count == 0)
        {
            message.From.Add(MailboxAddress.Parse(_settings.From));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_settings.TimeoutSeconds));
        using var client = await ConnectAsync(timeout.Token).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(_settings.UserName))
        {
            await client.AuthenticateAsync(_settings.UserName, _settings.Password ?? "", timeout.Token).ConfigureAwait(false);
        }
        await client.SendAsync(message, timeout.Token).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Connects (and, per Mail:Security, speaks TLS) until the relay's greeting, then says QUIT: no mail is sent.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = _settings.TimeoutSeconds * 1000 };
        if (_validate is not null)
        {
            client.ServerCertificateValidationCallback = _validate;
        }
        var security = _settings.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.SslOnConnect,
        };
        try
        {
            await client.ConnectAsync(_settings.Host!, _settings.Port, security, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
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
