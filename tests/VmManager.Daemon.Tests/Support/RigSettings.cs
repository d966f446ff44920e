namespace VmManager.Daemon.Tests.Support;

/// <summary>Config values that point the daemon at the rig's slapd and SMTP sink.</summary>
public static class RigSettings
{
    public static Dictionary<string, string?> Ldap(RigFixture rig, string security = "StartTls") => new()
    {
        ["Ldap:Enabled"] = "true",
        ["Ldap:Host"] = "127.0.0.1",
        ["Ldap:Port"] = security == "Ldaps" ? new Uri(rig["LDAPS_URL"]).Port.ToString() : new Uri(rig["LDAP_URL"]).Port.ToString(),
        ["Ldap:Security"] = security,
        ["Ldap:CaCertificatePath"] = rig["LDAP_CA"],
        ["Ldap:BindDn"] = rig["LDAP_BIND_DN"],
        ["Ldap:BindPassword"] = rig["LDAP_BIND_PASSWORD"],
        ["Ldap:UserBaseDn"] = rig["LDAP_BASE"],
        ["Ldap:GroupBaseDn"] = rig["LDAP_BASE"],
    };

    public static Dictionary<string, string?> Mail(RigFixture rig) => new()
    {
        ["Mail:Enabled"] = "true",
        ["Mail:Host"] = rig["SMTP_HOST"],
        ["Mail:Port"] = rig["SMTP_PORT"],
        ["Mail:Security"] = "None",
        ["Mail:From"] = "VmManager <vm-manager@school.test>",
    };
}
