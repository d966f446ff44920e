using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VmManager.Daemon.Tests.Support;

/// <summary>
/// libldap reads LDAPTLS_CACERT once per process, when it is first initialized. The daemon sets it from
/// Ldap:CaCertificatePath before that; in this test process many daemons come and go, and one with a directory
/// but no CA (a stalled listener, say) may come first, so the rig's CA is in the environment from the start.
/// </summary>
internal static class LdapTrustedCa
{
    [ModuleInitializer]
    internal static void Set()
    {
        var rig = Environment.GetEnvironmentVariable("VMM_RIG") is { Length: > 0 } custom ? custom : "/var/tmp/vmm-rig";
        var env = Path.Combine(rig, "rig.env");
        if (File.Exists(env) && File.ReadAllLines(env).FirstOrDefault(line => line.StartsWith("LDAP_CA=", StringComparison.Ordinal)) is { } line)
        {
            _ = SetEnv("LDAPTLS_CACERT", line["LDAP_CA=".Length..].Trim().Trim('"', '\''), 1);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
