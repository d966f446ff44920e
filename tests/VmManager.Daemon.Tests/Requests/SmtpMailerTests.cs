using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SslHandshakeException = MailKit.Security.SslHandshakeException;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MimeKit;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

[Collection(RigCollection.Name)]
public sealed class SmtpMailerTests(RigFixture rig)
{
    [Fact]
    public async Task SendAsync_RealSink_DeliversUtf8Message()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var message = Message($"Demande de ressources – élève {marker}");

        await new SmtpMailer(Options.Create(Settings())).SendAsync(message);

        var received = await MailSink.WaitForAsync(rig, mail => mail.Subject.Contains(marker, StringComparison.Ordinal));
        Assert.Equal($"Demande de ressources – élève {marker}", received.Subject);
        Assert.Contains("Aurélie a demandé 2 vCPU ; ça marche ?", received.Body);
        Assert.Contains("tom@school.test", received.To);
        Assert.Contains("vm-manager@school.test", received.From);
    }

    [Fact]
    public async Task SendAsync_StartTlsWithTheRigCa_DeliversOverTls()
    {
        var marker = Guid.NewGuid().ToString("N");
        var settings = Settings();
        settings.Security = SmtpSecurity.StartTls;
        settings.CaCertificatePath = rig["SMTP_CA"];
        using var message = Message($"STARTTLS {marker}");

        await new SmtpMailer(Options.Create(settings)).SendAsync(message);

        var received = await MailSink.WaitForAsync(rig, mail => mail.Subject.Contains(marker, StringComparison.Ordinal));
        Assert.Contains("Aurélie", received.Body);
    }

    [Fact]
    public async Task SendAsync_StartTlsWithAnotherCa_IsRefusedAndNothingSent()
    {
        using var folder = new TempDirectory();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var otherCa = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(folder.File("other-ca.pem"), otherCa.ExportCertificatePem());
        var settings = Settings();
        settings.Security = SmtpSecurity.StartTls;
        settings.CaCertificatePath = folder.File("other-ca.pem");
        var marker = Guid.NewGuid().ToString("N");
        using var message = Message($"STARTTLS refused {marker}");

        var error = await Assert.ThrowsAsync<SslHandshakeException>(() => new SmtpMailer(Options.Create(settings)).SendAsync(message));

        Assert.IsType<AuthenticationException>(error.InnerException);
        Assert.DoesNotContain(MailSink.All(rig), mail => mail.Subject.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_ImplicitTls_DeliversTheMessageAndTheHealthCheckPasses()
    {
        using var sink = new SmtpsSink(rig);
        var settings = Settings();
        settings.Port = sink.Port;
        settings.Security = SmtpSecurity.Tls;
        settings.CaCertificatePath = rig["SMTP_CA"];
        var marker = Guid.NewGuid().ToString("N");
        // The sink speaks only TLS on this port: a delivery proves the dialogue ran inside it.
        using var message = Message($"Implicit TLS – été {marker}");
        // Ends with a line break, as SMTP ends every line of DATA; the dots show the dot-stuffing round trip.
        message.Body = new TextPart("plain") { Text = "Ligne 1\n.\n..deux points\nFin é\n" };
        message.MessageId = $"outbox-1.{marker}@vm-manager.school.test";

        await new SmtpMailer(Options.Create(settings)).SendAsync(message);

        var received = Assert.Single(MailSink.AllIn(sink.Maildir));
        Assert.Equal($"Implicit TLS – été {marker}", received.Subject);
        Assert.Equal("Ligne 1\n.\n..deux points\nFin é\n", received.Body);
        Assert.Contains("Tom Lefèvre", received.To);
        Assert.Equal($"<outbox-1.{marker}@vm-manager.school.test>", RequestsApi.Header(received, "Message-ID"));
        Assert.DoesNotContain("X-Sender", received.Raw);
        var health = await new SmtpHealthCheck(Options.Create(settings), new SmtpMailer(Options.Create(settings))).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsWithoutTrustingTheCa_IsRefusedAndNothingSent()
    {
        using var sink = new SmtpsSink(rig);
        var settings = Settings();
        settings.Port = sink.Port;
        settings.Security = SmtpSecurity.Tls;
        using var message = Message("untrusted");

        var error = await Assert.ThrowsAsync<SslHandshakeException>(() => new SmtpMailer(Options.Create(settings)).SendAsync(message));

        Assert.IsType<AuthenticationException>(error.InnerException);

        Assert.Empty(MailSink.AllIn(sink.Maildir));
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsWithAuth_LogsInAndAWrongPasswordIsRefusedWithoutEchoingIt()
    {
        using var sink = new SmtpsSink(rig, "vm-manager", "Sésame-465");
        var settings = Settings();
        settings.Port = sink.Port;
        settings.Security = SmtpSecurity.Tls;
        settings.CaCertificatePath = rig["SMTP_CA"];
        settings.UserName = "vm-manager";
        settings.Password = "Sésame-465";
        var marker = Guid.NewGuid().ToString("N");
        using var message = Message($"AUTH {marker}");

        await new SmtpMailer(Options.Create(settings)).SendAsync(message);
        settings.Password = "wrong-Sésame";
        using var refused = Message("wrong password");
        var error = await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => new SmtpMailer(Options.Create(settings)).SendAsync(refused));

        Assert.Equal($"AUTH {marker}", Assert.Single(MailSink.AllIn(sink.Maildir)).Subject);
        Assert.Contains("535", error.Message);
        Assert.DoesNotContain("Sésame", error.Message);
    }

    private MailOptions Settings()
    {
        var options = new MailOptions();
        new ConfigurationBuilder().AddInMemoryCollection(RigSettings.Mail(rig)).Build().GetSection("Mail").Bind(options);
        return options;
    }

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "Aurélie a demandé 2 vCPU ; ça marche ?" } };
        message.To.Add(new MailboxAddress("Tom Lefèvre", "tom@school.test"));
        return message;
    }
}
