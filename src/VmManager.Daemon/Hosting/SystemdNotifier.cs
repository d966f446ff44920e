using System.Net.Sockets;
using System.Text;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// sd_notify(3) over the datagram socket systemd passes in <c>NOTIFY_SOCKET</c>. It takes the variables
/// out of the environment at start so no child process (vagrant, virsh) inherits them.
/// Kept instead of Microsoft.Extensions.Hosting.Systemd 10.0.14: under the unit's ProtectProc=invisible that
/// does nothing (dotnet/runtime#125368, fixed only in 11.0), never sends WATCHDOG=1 and leaves NOTIFY_SOCKET to children.
/// </summary>
public sealed class SystemdNotifier
{
    private readonly UnixDomainSocketEndPoint? _endPoint;

    public SystemdNotifier()
    {
        var socketPath = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        WatchdogInterval = ReadWatchdogInterval();
        foreach (var name in new[] { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        if (!string.IsNullOrEmpty(socketPath))
        {
            // A leading '@' names a socket in the abstract namespace, spelt with a NUL byte.
            _endPoint = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        }
    }

    public bool IsEnabled => _endPoint is not null;

    /// <summary>Half of WATCHDOG_USEC (as systemd recommends), or null when no watchdog is set for us.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Notify(string state)
    {
        if (_endPoint is null)
        {
            return;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Connect(_endPoint);
        socket.Send(Encoding.UTF8.GetBytes(state));
    }

    private static TimeSpan? ReadWatchdogInterval()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec / 2.0)
            : null;
    }
}
