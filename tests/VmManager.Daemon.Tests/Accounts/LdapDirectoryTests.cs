using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

[Collection(RigCollection.Name)]
public sealed class LdapDirectoryTests(RigFixture rig)
{
    [Fact]
    public async Task CheckServiceBind_RealSlapd_Succeeds()
    {
        await Directory(rig).CheckServiceBindAsync();
    }

    [Fact]
    public async Task Authenticate_StudentWithRightPassword_ReturnsStudent()
    {
        var user = await Directory(rig).AuthenticateAsync("alice", "Alice-Pw1");

        Assert.NotNull(user);
        Assert.Equal("alice", user.UserName);
        Assert.Equal("Alice Dupré", user.DisplayName);
        Assert.Equal(Role.Student, user.Role);
    }

    [Fact]
    public async Task Authenticate_WrongPassword_ReturnsNull()
    {
        Assert.Null(await Directory(rig).AuthenticateAsync("alice", "wrong"));
    }

    /// <summary>slapd refuses StartTLS now and then while it finishes the previous operation: ~10% of logins without a retry.</summary>
    [Fact]
    public async Task Authenticate_TwoHundredStartTlsLogins_AllSucceed()
    {
        var directory = Directory(rig);

        var users = new List<AuthenticatedUser?>();
        for (var login = 0; login < 200; login++)
        {
            users.Add(await directory.AuthenticateAsync("alice", "Alice-Pw1"));
        }

        Assert.All(users, user => Assert.Equal("alice", user?.UserName));
    }

    /// <summary>groupOfNames members by their DN (teachers, students with a non-ASCII uid) and posixGroup memberUid (admins).</summary>
    [Fact]
    public void MailsOfGroups_RealSlapd_ReturnsTheMembersMail()
    {
        var directory = Directory(rig);

        Assert.Equal(["tom@school.test"], directory.MailsOfGroups(["teachers"]));
        Assert.Equal(["tom@school.test", "ada@school.test"], directory.MailsOfGroups(["teachers", "admins", "no-such-group"]));
        Assert.Equal(["alice@school.test", "bob@school.test", "elodie@school.test"], directory.MailsOfGroups(["students"]).Order());
        Assert.Empty(directory.MailsOfGroups(["no-such-group"]));
    }

    internal static LdapDirectory Directory(RigFixture rig, string security = "StartTls")
    {
        var options = new LdapOptions();
        new ConfigurationBuilder().AddInMemoryCollection(RigSettings.Ldap(rig, security)).Build().GetSection("Ldap").Bind(options);
        return new LdapDirectory(Options.Create(options));
    }
}
