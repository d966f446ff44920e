using System.Net.Mail;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

[Collection(RigCollection.Name)]
public sealed class SmtpMailerTests(RigFixture rig)
{
    [Fact]
    public async Task SendAsync_RealSink_DeliversUtf8Message()
    {
        var options = new MailOptions();
        new ConfigurationBuilder().AddInMemoryCollection(RigSettings.Mail(rig)).Build().GetSection("Mail").Bind(options);
        var marker = Guid.NewGuid().ToString("N");
        using var message = new MailMessage { Subject = $"Demande de ressources – élève {marker}", Body = "Aurélie a demandé 2 vCPU ; ça marche ?" };
        message.To.Add(new MailAddress("tom@school.test", "Tom Lefèvre"));

        await new SmtpMailer(Options.Create(options)).SendAsync(message);

        var received = await MailSink.WaitForAsync(rig, mail => mail.Subject.Contains(marker, StringComparison.Ordinal));
        Assert.Equal($"Demande de ressources – élève {marker}", received.Subject);
        Assert.Contains("Aurélie a demandé 2 vCPU ; ça marche ?", received.Body);
        Assert.Contains("tom@school.test", received.To);
        Assert.Contains("vm-manager@school.test", received.From);
    }
}
