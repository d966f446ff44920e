using System.Net.Sockets;
using MailKit;
using MailKit.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

/// <summary>Connects with the mailer's own client (over TLS per Mail:Security) and reads the relay's greeting: no mail is sent.</summary>
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
            await mailer.CheckAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{settings.Host}:{settings.Port} ready",
                new Dictionary<string, object> { ["code"] = "relayReady", ["server"] = $"{settings.Host}:{settings.Port}" });
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or SslHandshakeException or ProtocolException or CommandException)
        {
            return HealthCheckResult.Unhealthy($"SMTP relay {settings.Host}:{settings.Port} unreachable: {ex.Message}");
        }
    }
}
