using System.Diagnostics.Metrics;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Accounts;

/// <summary>Refused logins, on the daemon's meter.</summary>
public sealed class AccountMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _loginFailures = meters.Create(Telemetry.MeterName)
        .CreateCounter<long>("vmmanager.login.failures", "{failure}", "Refused logins (wrong user name or password).");

    public void LoginFailed() => _loginFailures.Add(1);
}
