using System.Net.Mail;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace VmManager.Daemon.Requests;

/// <summary>
/// SMTP over implicit TLS (port 465), which System.Net.Mail cannot do: TLS from the first byte, then the
/// plain dialogue (EHLO, AUTH PLAIN, MAIL, RCPT, DATA). The message itself is written by System.Net.Mail
/// (to a pickup folder), so it is byte for byte what the StartTls path would send.
/// </summary>
public static class ImplicitTlsSmtp
{
    public static async Task SendAsync(MailOptions settings, MailMessage message, RemoteCertificateValidationCallback? validate, CancellationToken cancellationToken)
    {
        var data = Serialize(message);
        using var client = new TcpClient();
        await using var tls = await ConnectAsync(client, settings, validate, cancellationToken);
        using var reader = new StreamReader(tls, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, leaveOpen: true);

        async Task<string> Command(string? line, int expected)
        {
            if (line is not null)
            {
                await tls.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);
            }
            return await ExpectAsync(reader, expected, line, cancellationToken);
        }

        await Command(null, 220);
        await Command($"EHLO {Environment.MachineName}", 250);
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{settings.UserName}\0{settings.Password}"));
            await tls.WriteAsync(Encoding.ASCII.GetBytes($"AUTH PLAIN {credentials}\r\n"), cancellationToken);
            await ExpectAsync(reader, 235, "AUTH PLAIN", cancellationToken); // never echo the credentials
        }
        await Command($"MAIL FROM:<{message.From!.Address}>", 250);
        foreach (var recipient in message.To.Concat(message.CC).Concat(message.Bcc))
        {
            await Command($"RCPT TO:<{recipient.Address}>", 250);
        }
        await Command("DATA", 354);
        await tls.WriteAsync(data, cancellationToken);
        await Command(".", 250);
        await tls.WriteAsync("QUIT\r\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>Connects <paramref name="client"/> to the relay and speaks TLS from the first byte, checking the relay's name.</summary>
    public static async Task<SslStream> ConnectAsync(TcpClient client, MailOptions settings, RemoteCertificateValidationCallback? validate, CancellationToken cancellationToken)
    {
        await client.ConnectAsync(settings.Host!, settings.Port, cancellationToken);
        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = settings.Host, RemoteCertificateValidationCallback = validate }, cancellationToken);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads a reply (the last line of a multi-line one has a space after the code); anything else is an SmtpException.</summary>
    private static async Task<string> ExpectAsync(StreamReader reader, int expected, string? command, CancellationToken cancellationToken)
    {
        var reply = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken)
                ?? throw new IOException($"the relay closed the connection after {command ?? "connecting"}");
            reply.AppendLine(line);
            if (line.Length < 4 || line[3] != '-')
            {
                if (!line.StartsWith(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    var code = int.TryParse(line.AsSpan(0, Math.Min(3, line.Length)), out var parsed) ? (SmtpStatusCode)parsed : SmtpStatusCode.GeneralFailure;
                    throw new SmtpException(code, $"{command ?? "greeting"}: {reply.ToString().Trim()}");
                }
                return reply.ToString();
            }
        }
    }

    /// <summary>
    /// The message as System.Net.Mail writes it, with CRLF line ends and dot-stuffing for DATA. The pickup
    /// file starts with X-Sender/X-Receiver envelope lines that are not part of the message.
    /// </summary>
    private static byte[] Serialize(MailMessage message)
    {
        var folder = Directory.CreateTempSubdirectory("vm-manager-mail-");
        try
        {
            using (var writer = new SmtpClient { DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory, PickupDirectoryLocation = folder.FullName })
            {
                writer.Send(message);
            }
            var lines = File.ReadAllText(folder.EnumerateFiles().Single().FullName, Encoding.ASCII).ReplaceLineEndings("\n").Split('\n').ToList();
            var envelope = lines.TakeWhile(line => line.StartsWith("X-Sender:", StringComparison.Ordinal)
                || line.StartsWith("X-Receiver:", StringComparison.Ordinal) || (line.StartsWith(' ') && line.Length > 1)).Count();
            var body = lines.Skip(envelope).Select(line => line.StartsWith('.') ? "." + line : line);
            return Encoding.ASCII.GetBytes(string.Join("\r\n", body).TrimEnd('\r', '\n') + "\r\n");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
