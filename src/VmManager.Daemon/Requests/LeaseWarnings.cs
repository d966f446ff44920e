using System.Data;
using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Requests;

/// <summary>
/// E-mails a VM's owner before its lease ends (Requests:LeaseWarnings), once per threshold. A threshold is
/// armed when the VM is seen with more time left than it, and fires when seen inside it: so a 2-hour VM gets
/// no "24 hours left" mail at creation, and an extension past the threshold arms it again. The state and the
/// mail are written in one transaction, so a restart neither repeats nor loses a warning.
/// </summary>
public sealed class LeaseWarnings(
    Database database,
    MailOutbox outbox,
    RequestMails mails,
    IOptions<RequestsOptions> options,
    BackgroundFaults faults,
    TimeProvider time,
    ILogger<LeaseWarnings> logger) : BackgroundService
{
    private const string Armed = "armed";
    private const string Sent = "sent";
    private readonly Lock _oneAtATime = new();
    private readonly FaultStreak _streak = faults.Streak("lease-warnings", logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!outbox.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.LeaseWarningScanSeconds), time);
        do
        {
            if (!_streak.IsDue)
            {
                continue;
            }
            try
            {
                Scan();
                _streak.Succeeded();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A busy or full database: the state and the mail are one transaction, so nothing was half-written.
                _streak.Failed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass; returns how many VMs' owners were warned (whether or not an address was known).</summary>
    public int Scan()
    {
        var thresholds = options.Value.EffectiveLeaseWarnings.Select(threshold => (long)threshold.TotalSeconds).ToList();
        int warned;
        lock (_oneAtATime)
        {
            warned = database.InWriteTransaction((connection, transaction) =>
            {
                var now = time.GetUtcNow();
                connection.Execute(
                    "DELETE FROM lease_warnings WHERE machine_id IN (SELECT id FROM machines WHERE state IN ('deleting', 'deleted', 'gone'))",
                    transaction: transaction);
                var states = connection.Query<(string MachineId, long Threshold, string State)>(
                        "SELECT machine_id, threshold_seconds, state FROM lease_warnings", transaction: transaction)
                    .ToDictionary(row => (row.MachineId, row.Threshold), row => row.State);
                var machines = connection.Query<RequestedMachine>(
                    "SELECT id, owner, name, state, expires_at FROM machines WHERE state NOT IN ('deleting', 'deleted', 'gone') AND expires_at > @now",
                    new { now }, transaction).AsList();
                return machines.Count(machine => Check(connection, transaction, machine, thresholds, states, now));
            });
        }
        if (warned > 0)
        {
            outbox.Wake();
        }
        return warned;
    }

    private bool Check(IDbConnection connection, IDbTransaction transaction, RequestedMachine machine, List<long> thresholds,
        Dictionary<(string, long), string> states, DateTimeOffset now)
    {
        var left = machine.ExpiresAt - now;
        var due = new List<long>();
        foreach (var threshold in thresholds)
        {
            var state = states.GetValueOrDefault((machine.Id, threshold));
            if (left.TotalSeconds > threshold)
            {
                if (state != Armed)
                {
                    Set(connection, transaction, machine.Id, threshold, Armed, now);
                }
            }
            else if (state == Armed)
            {
                due.Add(threshold);
            }
        }
        if (due.Count == 0)
        {
            return false;
        }
        // Several windows entered at once (the daemon was down): one mail, with the time really left.
        foreach (var threshold in due)
        {
            Set(connection, transaction, machine.Id, threshold, Sent, now);
        }
        var owner = MailRecipients.ContactOf(connection, transaction, machine.Owner);
        if (owner.Mail is { } address)
        {
            var (subject, body) = mails.LeaseWarning(owner, machine.Id, machine.Name, machine.ExpiresAt, left);
            outbox.Enqueue(connection, transaction, [new OutgoingMail($"lease:{machine.Id}", address.Address, address.Name, subject, body)]);
        }
        else
        {
            logger.LogInformation("VM {MachineId} of {Owner} expires at {ExpiresAt}; no e-mail address known for the owner", machine.Id, machine.Owner, machine.ExpiresAt);
        }
        return true;
    }

    private static void Set(IDbConnection connection, IDbTransaction transaction, string machineId, long threshold, string state, DateTimeOffset now) =>
        connection.Execute(
            """
            INSERT INTO lease_warnings (machine_id, threshold_seconds, state, changed_at) VALUES (@machineId, @threshold, @state, @now)
            ON CONFLICT (machine_id, threshold_seconds) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
            """, new { machineId, threshold, state, now }, transaction);
}
