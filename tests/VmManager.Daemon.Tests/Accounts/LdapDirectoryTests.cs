using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

[Collection(RigCollection.Name)]
public sealed class LdapDirectoryTests(RigFixture rig)
{
    [Fact]
    public void CheckServiceBind_RealSlapd_Succeeds()
    {
        Directory(rig).CheckServiceBind();
    }

    [Fact]
    public void Authenticate_StudentWithRightPassword_ReturnsStudent()
    {
        var user = Directory(rig).Authenticate("alice", "Alice-Pw1");

        Assert.NotNull(user);
        Assert.Equal("alice", user.UserName);
        Assert.Equal("Alice Dupré", user.DisplayName);
        Assert.Equal(Role.Student, user.Role);
    }

    [Fact]
    public void Authenticate_WrongPassword_ReturnsNull()
    {
        Assert.Null(Directory(rig).Authenticate("alice", "wrong"));
    }

    internal static LdapDirectory Directory(RigFixture rig, string security = "StartTls")
    {
        var options = new LdapOptions();
        new ConfigurationBuilder().AddInMemoryCollection(RigSettings.Ldap(rig, security)).Build().GetSection("Ldap").Bind(options);
        return new LdapDirectory(Options.Create(options));
    }
}
