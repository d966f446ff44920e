using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>Changes to the rig's slapd as its administrator would make them (ldapmodify), for tests that follow the directory.</summary>
public static class RigDirectory
{
    public static async Task ModifyAsync(RigFixture rig, string ldif, bool add = false)
    {
        var outcome = await ExternalCommand.RunAsync("ldapmodify",
            [.. add ? new[] { "-a" } : [], "-x", "-H", rig["LDAP_URL"], "-D", rig["LDAP_ADMIN_DN"], "-w", rig["LDAP_ADMIN_PASSWORD"]], ldif);
        Assert.True(outcome.ExitCode == 0, $"ldapmodify: {outcome.Error}");
    }

    /// <summary>Deletes entries, children first; a missing one is not an error (cleanup after a failed test).</summary>
    public static Task DeleteAsync(RigFixture rig, params string[] dns) =>
        ExternalCommand.RunAsync("ldapdelete", ["-c", "-x", "-H", rig["LDAP_URL"], "-D", rig["LDAP_ADMIN_DN"], "-w", rig["LDAP_ADMIN_PASSWORD"], .. dns]);
}
