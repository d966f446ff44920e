using VmManager.Daemon.Tests.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>A request is mailed to the teachers of the requester's classes only (read back from the rig's SMTP sink).</summary>
[Collection(RigCollection.Name)]
public sealed class ClassRequestMailTests(RigFixture rig)
{
    [Fact]
    public async Task Create_EachStudent_MailsOnlyTheTeachersOfTheirClassesOrTheFallback()
    {
        var fallback = $"secretariat-{RequestsApi.Marker()}@school.test";
        var settings = new Dictionary<string, string?>(RigSettings.Mail(rig))
        {
            ["Requests:NoClassRecipients:0"] = fallback,
            ["Mail:RetryFirstDelaySeconds"] = "1",
            ["Mail:RetryMaxDelaySeconds"] = "2",
        };
        using var app = new ClassesApp(rig, settings);
        var expected = new Dictionary<string, string[]>
        {
            ["carla"] = ["iris@school.test", "tom@school.test"], // net (tom) and sys (iris)
            ["dan"] = ["tom@school.test"], // net, through the nested group net-lab
            ["élodie"] = [fallback], // in no class
        };
        var markers = new Dictionary<string, string>();
        foreach (var student in expected.Keys)
        {
            using var user = await app.LoginAsync(student);
            markers[student] = $"demande de {student} {RequestsApi.Marker()}";
            await RequestsApi.CreateAsync(user.Http, new
            {
                kind = "vms", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2)), reason = markers[student],
            });
        }

        foreach (var (student, recipients) in expected)
        {
            foreach (var recipient in recipients)
            {
                await MailSink.WaitForAsync(rig, mail => mail.Body.Contains(markers[student], StringComparison.Ordinal) && mail.To.Contains(recipient, StringComparison.OrdinalIgnoreCase));
            }
        }
        // Every mail was written in the request's transaction: once the expected ones arrived, no other is on its way.
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var (student, recipients) in expected)
        {
            var sent = MailSink.All(rig).Where(mail => mail.Body.Contains(markers[student], StringComparison.Ordinal))
                .Select(mail => System.Text.RegularExpressions.Regex.Match(mail.To, @"[^<\s]+@[^>\s]+").Value.ToLowerInvariant());
            Assert.Equal(recipients.Order(), sent.Order());
        }
    }
}
