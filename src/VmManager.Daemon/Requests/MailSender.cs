using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Requests;

/// <summary>
/// Sends the outbox, oldest due first, one message at a time. A row is marked sent only after the relay
/// accepted it, so delivery is at-least-once: a crash between the relay's 250 and that update sends the
/// message again at the next start, with the same Message-ID for the receiver to drop the copy.
/// A failure counts an attempt and waits (doubling, capped) before the next; after Mail:MaxAttempts the
/// message is marked failed and the admin page shows it.
/// </summary>
public sealed class MailSender(
    MailOutbox outbox,
    SmtpMailer mailer,
    IOptions<MailOptions> options,
    IOptions<ServerOptions> server,
    BackgroundFaults faults,
    TimeProvider time,
    ILogger<MailSender> logger) : BackgroundService
{
    public const string OutboxIdHeader = "X-VmManager-Outbox-Id";

    // Also the longest sleep: a clock change or a lost wake-up costs at most this.
    private static readonly TimeSpan MaxIdle = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan KeepSent = TimeSpan.FromDays(30);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly string _messageIdDomain = "vm-manager." + (
        server.Value.PublicOrigin is { Length: > 0 } origin ? new Uri(origin).IdnHost : System.Net.Dns.GetHostName());

    private readonly FaultStreak _streak = faults.Streak("mail-sender", logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        // Let the host finish starting before the first connection to the relay.
        await Task.Yield();
        var pruned = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                if (outbox.NextDue() is { } message)
                {
                    await SendAsync(message, stoppingToken);
                    _streak.Succeeded();
                    continue;
                }
                if (time.GetUtcNow() - pruned > PruneInterval)
                {
                    outbox.PruneSent(KeepSent);
                    pruned = time.GetUtcNow();
                }
                wait = outbox.NextAttemptAt() is { } next ? next - time.GetUtcNow() : MaxIdle;
                _streak.Succeeded();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A database busy past its timeout or full, or a fault outside delivery: the rows are still there next time.
                wait = _streak.Failed(ex);
            }
            await outbox.WaitAsync(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxIdle ? MaxIdle : wait, stoppingToken);
        }
    }

    /// <summary>The header that lets receivers drop a resent copy: stable per outbox row, unique per install.</summary>
    public string MessageIdOf(OutboxMessage message) =>
        $"<outbox-{message.Id}.{message.CreatedAt.ToUnixTimeMilliseconds()}@{_messageIdDomain}>";

    private async Task SendAsync(OutboxMessage message, CancellationToken stoppingToken)
    {
        try
        {
            using var mail = Compose(message);
            await mailer.SendAsync(mail, stoppingToken);
            outbox.MarkSent(message.Id);
            logger.LogInformation("Mail {OutboxId} ({Cause}) sent to {Recipient}", message.Id, message.Cause, message.ToAddress);
        }
        catch (Exception ex) when (IsDeliveryFailure(ex) && !stoppingToken.IsCancellationRequested)
        {
            var error = Describe(ex);
            if (outbox.RecordFailure(message, error))
            {
                logger.LogError("Mail {OutboxId} ({Cause}) to {Recipient} failed {Attempts} times, giving up: {Error}",
                    message.Id, message.Cause, message.ToAddress, message.Attempts + 1, error);
            }
            else
            {
                logger.LogWarning("Mail {OutboxId} ({Cause}) to {Recipient} not sent (attempt {Attempt}), will retry: {Error}",
                    message.Id, message.Cause, message.ToAddress, message.Attempts + 1, error);
            }
        }
    }

    private MimeMessage Compose(OutboxMessage message)
    {
        var mail = new MimeMessage
        {
            Subject = message.Subject,
            Body = new TextPart("plain") { Text = message.Body },
            MessageId = MessageIdOf(message).Trim('<', '>'),
        };
        mail.From.Add(MailboxAddress.Parse(options.Value.From));
        mail.To.Add(new MailboxAddress(message.ToName, message.ToAddress));
        mail.Headers.Add(OutboxIdHeader, message.Id.ToString(CultureInfo.InvariantCulture));
        return mail;
    }

    /// <summary>A stopped relay, a refused recipient, a TLS or timeout problem; our own bugs still surface.</summary>
    private static bool IsDeliveryFailure(Exception ex) =>
        ex is CommandException or ProtocolException or MailKit.Security.AuthenticationException or SslHandshakeException
            or IOException or SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException or ParseException;

    /// <summary>What the admin page shows: MailKit's messages (say, "Connection refused") need the context.</summary>
    private static string Describe(Exception ex) => "Failure sending mail: " + ex switch
    {
        OperationCanceledException => "the relay did not answer in time (Mail:TimeoutSeconds)",
        _ when ex.InnerException is { } inner && inner is not AggregateException => $"{ex.Message} ({inner.Message})",
        _ => ex.Message,
    };
}
