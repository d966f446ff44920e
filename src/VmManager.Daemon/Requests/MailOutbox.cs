using System.Data;
using System.Threading.Channels;
using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Requests;

/// <summary>One e-mail to one recipient, rendered when its cause happened.</summary>
public sealed record OutgoingMail(string Cause, string ToAddress, string? ToName, string Subject, string Body);

public sealed class OutboxMessage
{
    public long Id { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string Cause { get; init; } = "";

    public string ToAddress { get; init; } = "";

    public string? ToName { get; init; }

    public string Subject { get; init; } = "";

    public string Body { get; init; } = "";

    public int Attempts { get; init; }
}

/// <summary>What the admin page shows: how much waits, how much gave up, and why the last attempt failed.</summary>
public sealed record MailStatus(bool Enabled, long Pending, long Failed, long Sent, DateTimeOffset? OldestPendingAt, string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>
/// The durable queue of e-mails (mail_outbox). Writers add rows inside the transaction of the event that
/// causes them, then <see cref="Wake"/> the sender; the sender marks a row sent only once the relay accepted it.
/// With Mail:Enabled false nothing is queued: a queue nobody sends would flood the relay with stale news
/// the day mail is turned on.
/// </summary>
public sealed class MailOutbox(Database database, IOptions<MailOptions> options, TimeProvider time)
{
    private const string Columns = "id, created_at, cause, to_address, to_name, subject, body, attempts";
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public bool Enabled => options.Value.Enabled;

    public void Enqueue(IDbConnection connection, IDbTransaction transaction, IEnumerable<OutgoingMail> mails)
    {
        if (!Enabled)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var mail in mails)
        {
            connection.Execute(
                """
                INSERT INTO mail_outbox (created_at, cause, to_address, to_name, subject, body, state, next_attempt_at)
                VALUES (@now, @Cause, @ToAddress, @ToName, @Subject, @Body, 'pending', @now)
                """,
                new { now, mail.Cause, mail.ToAddress, mail.ToName, mail.Subject, mail.Body }, transaction);
        }
    }

    /// <summary>Call after the transaction that queued mail committed. A lost wake-up only delays: the sender also polls.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Waits for <see cref="Wake"/> or <paramref name="timeout"/> (on the injected clock's timers).</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await _wake.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // time for a retry that became due
        }
    }

    public OutboxMessage? NextDue()
    {
        using var connection = database.Open();
        return connection.QueryFirstOrDefault<OutboxMessage>(
            $"SELECT {Columns} FROM mail_outbox WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT 1",
            new { now = time.GetUtcNow() });
    }

    public DateTimeOffset? NextAttemptAt()
    {
        using var connection = database.Open();
        return connection.QueryFirstOrDefault<DateTimeOffset?>("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE state = 'pending'");
    }

    public void MarkSent(long id)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE mail_outbox SET state = 'sent', sent_at = @now, attempts = attempts + 1 WHERE id = @id",
            new { id, now = time.GetUtcNow() });
    }

    /// <summary>Counts the attempt; returns whether the message gave up (state failed) rather than waiting for a retry.</summary>
    public bool RecordFailure(OutboxMessage message, string error)
    {
        var settings = options.Value;
        var attempts = message.Attempts + 1;
        var now = time.GetUtcNow();
        var giveUp = attempts >= settings.MaxAttempts;
        using var connection = database.Open();
        connection.Execute(
            """
            UPDATE mail_outbox SET attempts = @attempts, last_error = @error, last_error_at = @now,
                state = CASE WHEN @giveUp THEN 'failed' ELSE 'pending' END, next_attempt_at = @next
            WHERE id = @Id
            """,
            new { message.Id, attempts, error, now, giveUp, next = now + settings.RetryDelay(attempts) });
        return giveUp;
    }

    /// <summary>Sent rows only serve the admin's counts; failed rows stay until an admin looks.</summary>
    public int PruneSent(TimeSpan keep)
    {
        using var connection = database.Open();
        return connection.Execute("DELETE FROM mail_outbox WHERE state = 'sent' AND created_at < @cutoff", new { cutoff = time.GetUtcNow() - keep });
    }

    public long PendingCount()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM mail_outbox WHERE state = 'pending'");
    }

    public MailStatus Status()
    {
        using var connection = database.Open();
        var counts = connection.Query<(string State, long Count)>("SELECT state, COUNT(*) FROM mail_outbox GROUP BY state")
            .ToDictionary(row => row.State, row => row.Count);
        var oldest = connection.QueryFirstOrDefault<DateTimeOffset?>("SELECT MIN(created_at) FROM mail_outbox WHERE state = 'pending'");
        var last = connection.QueryFirstOrDefault<(string? Error, DateTimeOffset? At)>(
            "SELECT last_error, last_error_at FROM mail_outbox WHERE last_error_at IS NOT NULL ORDER BY last_error_at DESC, id DESC LIMIT 1");
        return new MailStatus(Enabled, counts.GetValueOrDefault("pending"), counts.GetValueOrDefault("failed"), counts.GetValueOrDefault("sent"),
            oldest, last.Error, last.At);
    }
}
