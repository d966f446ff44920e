using System.Diagnostics.Metrics;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Requests;

/// <summary>The outbox's backlog (read from the database at each scrape), on the daemon's meter.</summary>
public sealed class MailMetrics
{
    public MailMetrics(IMeterFactory meters, MailOutbox outbox) =>
        meters.Create(Telemetry.MeterName).CreateObservableGauge("vmmanager.mail.backlog", outbox.PendingCount, "{message}", "E-mails waiting to be sent.");
}
