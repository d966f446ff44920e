using System.Diagnostics;
using System.Net;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>
/// A directory that accepts connections and never answers: every login is answered (503, at once when the
/// directory's slots are all held) while local logins and the rest of the API keep working. The bound is a
/// correctness bound (a stalled login used to hold a lock and two threads for 15 s), not a performance target.
/// </summary>
[Collection(RigCollection.Name)] // libldap's timeouts are process-wide: not while the rig's directory tests run
public sealed class DirectoryStallTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3); // ConnectTimeoutSeconds + OperationTimeoutSeconds
    // Wide: on the shared 2-core machine the 50 answers of a stalled directory came 3.3 to 7.6 s after the start.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(6);

    [Theory]
    [InlineData("None")]
    [InlineData("StartTls")]
    [InlineData("Ldaps")]
        public async Task Login_DirectoryNeverAnswers_FiftyLoginsAnsweredInTimeWhileLocalLoginsAndHealthAreUnaffected(string security)
    {
        using var directory = new SilentListener();
        using var app = new AccountsApp(new Dictionary<string, string?>
        {
            ["Ldap:Enabled"] = "true",
            ["Ldap:Host"] = "127.0.0.1",
            ["Ldap:Port"] = directory.Port.ToString(),
            ["Ldap:Security"] = security,
            ["Ldap:BindDn"] = "uid=svc-vmm,ou=services,dc=school,dc=test",
            ["Ldap:BindPassword"] = "svc-vmm-pw",
            ["Ldap:UserBaseDn"] = "ou=people,dc=school,dc=test",
            ["Ldap:GroupBaseDn"] = "ou=groups,dc=school,dc=test",
            ["Ldap:ConnectTimeoutSeconds"] = "1",
            ["Ldap:OperationTimeoutSeconds"] = "2",
        });
        var probe = app.Client();
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await probe.LoginAsync("enseignant", "Enseignant-Demo1")).StatusCode);

        var clock = Stopwatch.StartNew();
        var logins = Enumerable.Range(1, 50).Select(async i =>
        {
            var response = await app.Client($"198.51.100.{i}").LoginAsync($"student{i}", "Student-Password1");
            return (response.StatusCode, Type: (await response.JsonAsync()).GetProperty("type").GetString(), Answered: clock.Elapsed);
        }).ToList();
        var all = Task.WhenAll(logins);
        await Task.Delay(200);
        var localLogin = await app.Client("192.0.2.10").LoginAsync("etudiant", "Etudiant-Demo1");
        while (!all.IsCompleted)
        {
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);
            await Task.Delay(20);
        }
        var answers = await all;

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode));
        Assert.All(answers, answer => Assert.True(answer.Answered < Deadline + Margin, $"answered after {answer.Answered}"));
        Assert.Contains(answers, answer => answer.Type == "directory-busy");
        Assert.Contains(answers, answer => answer.Type == "directory-unavailable");
        Assert.Equal(HttpStatusCode.OK, localLogin.StatusCode);
    }
}
