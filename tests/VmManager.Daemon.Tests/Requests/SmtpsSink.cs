using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>
/// An aiosmtpd of the test's own speaking implicit TLS (SMTPS) with the rig's server certificate, on a free
/// port, storing into its own Maildir: the rig's sink only offers STARTTLS.
/// </summary>
internal sealed class SmtpsSink : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly Process _server;

    public SmtpsSink(RigFixture rig)
    {
        Port = FreePort();
        var tls = Path.GetDirectoryName(rig["SMTP_CA"])!;
        // Debian's python, as rig.sh: the one first in PATH may lack aiosmtpd.
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-m", "aiosmtpd", "-n", "-u", "-l", $"127.0.0.1:{Port}", "--smtpscert", Path.Combine(tls, "server.crt"),
            "--smtpskey", Path.Combine(tls, "server.key"), "-c", "aiosmtpd.handlers.Mailbox", Maildir,
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        _server = Process.Start(start)!;
        WaitUntilListening();
    }

    public int Port { get; }

    public string Maildir => _folder.File("maildir");

    public void Dispose()
    {
        _server.Kill(entireProcessTree: true);
        _server.WaitForExit();
        _server.Dispose();
        _folder.Dispose();
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
