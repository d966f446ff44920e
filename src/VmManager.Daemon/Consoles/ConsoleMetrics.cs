using System.Diagnostics.Metrics;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Consoles;

/// <summary>Open console sessions, on the daemon's meter.</summary>
public sealed class ConsoleMetrics
{
    public ConsoleMetrics(IMeterFactory meters, ConsoleSessions sessions) =>
        meters.Create(Telemetry.MeterName).CreateObservableGauge("vmmanager.console.sessions", () => sessions.Count, "{session}", "Open browser console sessions.");
}
