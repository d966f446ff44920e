using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

/// <summary>Connects (over TLS for Security Tls) and reads the relay's 220 greeting, then says QUIT: no mail is sent.</summary>
public sealed class SmtpHealthCheck(IOptions<MailOptions> options, SmtpMailer mailer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return HealthCheckResult.Healthy("not configured", new Dictionary<string, object> { ["code"] = "mailOff" });
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var client = new TcpClient();
            Stream stream;
            if (settings.Security == SmtpSecurity.Tls)
            {
                stream = await ImplicitTlsSmtp.ConnectAsync(client, settings, mailer.CertificateValidation, timeout.Token);
            }
            else
            {
                await client.ConnectAsync(settings.Host!, settings.Port, timeout.Token);
                stream = client.GetStream();
            }
            await using (stream)
            {
                var buffer = new byte[512];
                var read = await stream.ReadAsync(buffer, timeout.Token);
                var greeting = Encoding.ASCII.GetString(buffer, 0, read).Trim();
                await stream.WriteAsync("QUIT\r\n"u8.ToArray(), timeout.Token);
                return greeting.StartsWith("220", StringComparison.Ordinal)
                    ? HealthCheckResult.Healthy($"{settings.Host}:{settings.Port} ready", new Dictionary<string, object> { ["code"] = "relayReady", ["server"] = $"{settings.Host}:{settings.Port}" })
                    : HealthCheckResult.Unhealthy($"{settings.Host}:{settings.Port} answered '{greeting}'");
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            return HealthCheckResult.Unhealthy($"SMTP relay {settings.Host}:{settings.Port} unreachable: {ex.Message}");
        }
    }
}
