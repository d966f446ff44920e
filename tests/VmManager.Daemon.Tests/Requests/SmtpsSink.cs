using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>
/// An aiosmtpd of the test's own speaking implicit TLS (SMTPS) with the rig's server certificate, on a free
/// port, storing into its own Maildir, optionally requiring AUTH: the rig's sink only offers STARTTLS.
/// </summary>
internal sealed class SmtpsSink : IDisposable
{
    // aiosmtpd's command line has no authenticator, so its Controller is driven from a few lines of Python.
    private const string Server = """
        import ssl, sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult
        port, cert, key, maildir, user, password = sys.argv[1:]
        def authenticate(server, session, envelope, mechanism, auth):
            return AuthResult(success=auth.login == user.encode() and auth.password == password.encode(), handled=False)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False) if user else {}
        Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), ssl_context=context, **options).start()
        threading.Event().wait()
        """;

    private readonly TempDirectory _folder = new();
    private readonly Process _server;

    /// <summary>With a <paramref name="userName"/>, every session must AUTH with it and <paramref name="password"/>.</summary>
    public SmtpsSink(RigFixture rig, string userName = "", string password = "")
    {
        Port = FreePort();
        var tls = Path.GetDirectoryName(rig["SMTP_CA"])!;
        // Debian's python, as rig.sh: the one first in PATH may lack aiosmtpd.
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-c", Server, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(tls, "server.crt"),
            Path.Combine(tls, "server.key"), Maildir, userName, password,
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
