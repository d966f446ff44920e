using System.Net.Sockets;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>
/// A fault test restarts a rig part; the next test must find it serving: `rig.sh start` returns only once
/// slapd accepts a StartTLS bind and the SMTP sink greets.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class RigScriptTests(RigFixture rig)
{
    [Fact]
    public async Task StartLdap_RightAfterStop_StartTlsLoginsSucceedAtOnce()
    {
        using (StoppedRigPart.Stop("ldap"))
        {
        }
        var directory = LdapDirectoryTests.Directory(rig);

        var users = new List<AuthenticatedUser?>();
        for (var i = 0; i < 20; i++)
        {
            users.Add(await directory.AuthenticateAsync("alice", "Alice-Pw1"));
        }

        Assert.All(users, user => Assert.Equal("alice", user?.UserName));
    }

    [Fact]
    public async Task StartSmtp_RightAfterStop_SinkGreetsAtOnce()
    {
        using (StoppedRigPart.Stop("smtp"))
        {
        }

        using var client = new TcpClient();
        await client.ConnectAsync(rig["SMTP_HOST"], int.Parse(rig["SMTP_PORT"], System.Globalization.CultureInfo.InvariantCulture));
        using var reader = new StreamReader(client.GetStream());
        var greeting = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.StartsWith("220", greeting);
    }
}
