using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Storage;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>The relay goes away (the rig's sink is stopped): nothing is lost, and nothing arrives twice once it is back.</summary>
[Collection(RigCollection.Name)]
public sealed class MailOutboxFaultTests(RigFixture rig)
{
    [Fact]
    public async Task Send_SinkStopped_RequestsAreAcceptedAndEveryQueuedMailArrivesOnceWhenItIsBack()
    {
        var teachers = $"profs-{RequestsApi.Marker()}@school.test";
        var direction = $"direction-{RequestsApi.Marker()}@school.test";
        var settings = RequestsApi.MailSettings(rig, teachers);
        settings["Requests:NotifyAddresses:1"] = direction;
        using var factory = new VmManagerFactory(settings);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var admin = await factory.LoginAsync(RequestsApi.Admin, RequestsApi.AdminPassword);
        var until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2));

        MailStatus whileDown;
        using (StoppedRigPart.Stop("smtp"))
        {
            for (var i = 1; i <= 3; i++)
            {
                await RequestsApi.CreateAsync(student, new { kind = "vms", amount = 1, until, reason = $"Panne du relais, demande {i} – é" });
            }
            whileDown = await WaitForAsync(admin, status => status.LastError is not null && status.Pending == 6);
            Assert.Equal(6, await BacklogGaugeAsync(factory));
            Assert.Empty(RequestsApi.To(rig, teachers));
        }

        var after = await WaitForAsync(admin, status => status.Pending == 0);
        Assert.Equal((0, 6L), (after.Failed, after.Sent));
        Assert.Contains("Failure sending mail", whileDown.LastError);
        var queued = Queued(factory);
        // The addresses are this test's own: every mail the sink holds for them.
        var received = RequestsApi.To(rig, teachers).Concat(RequestsApi.To(rig, direction)).ToList();
        Assert.Equal(6, received.Count);
        Assert.Equal(6, received.Select(mail => RequestsApi.Header(mail, "Message-ID")).Distinct().Count());
        foreach (var mail in received)
        {
            var (subject, body, to) = queued[RequestsApi.Header(mail, MailSender.OutboxIdHeader)];
            Assert.Equal((subject, body), (mail.Subject, mail.Body));
            Assert.Contains(to, mail.To);
        }
    }

    private static Dictionary<string, (string Subject, string Body, string To)> Queued(VmManagerFactory factory)
    {
        using var connection = factory.Services.GetRequiredService<Database>().Open();
        return connection.Query<(long Id, string Subject, string Body, string To)>("SELECT id, subject, body, to_address FROM mail_outbox")
            .ToDictionary(row => row.Id.ToString(CultureInfo.InvariantCulture), row => (row.Subject, row.Body, row.To));
    }

    private static async Task<MailStatus> WaitForAsync(HttpClient admin, Func<MailStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = (await admin.GetFromJsonAsync<MailStatus>("/api/admin/mail", MachineApi.Json))!;
            if (condition(status))
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"outbox still {status}");
            await Task.Delay(200);
        }
    }

    private static async Task<double> BacklogGaugeAsync(VmManagerFactory factory)
    {
        var context = await factory.Server.SendAsync(request =>
        {
            request.Request.Method = "GET";
            request.Request.Path = "/metrics";
            request.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
        using var reader = new StreamReader(context.Response.Body);
        // vmmanager_mail_backlog{otel_scope_name="VmManager"} 6 1733333333333
        var line = (await reader.ReadToEndAsync()).Split('\n').Single(sample => sample.StartsWith("vmmanager_mail_backlog{", StringComparison.Ordinal));
        return double.Parse(line[(line.IndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
