using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

public enum LdapSecurity
{
    None,
    StartTls,
    Ldaps,
}

public sealed class LdapOptions
{
    public const string Section = "Ldap";

    public bool Enabled { get; set; }

    public string? Host { get; set; }

    /// <summary>0 means the usual port for <see cref="Security"/>: 636 for LDAPS, 389 otherwise.</summary>
    public int Port { get; set; }

    public LdapSecurity Security { get; set; } = LdapSecurity.StartTls;

    /// <summary>PEM file of the CA that signed the directory's certificate; empty trusts the system store.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>The service account used to find users; its password usually comes from a credentials file.</summary>
    public string? BindDn { get; set; }

    public string? BindPassword { get; set; }

    public string UserBaseDn { get; set; } = "";

    /// <summary>{0} is replaced by the RFC 4515-escaped user name.</summary>
    public string UserFilter { get; set; } = "(&(objectClass=inetOrgPerson)(uid={0}))";

    public string UserNameAttribute { get; set; } = "uid";

    public string DisplayNameAttribute { get; set; } = "cn";

    public string MailAttribute { get; set; } = "mail";

    public string GroupBaseDn { get; set; } = "";

    /// <summary>{dn} and {uid} are replaced (escaped); the default covers groupOfNames and posixGroup.</summary>
    public string GroupFilter { get; set; } = "(|(member={dn})(memberUid={uid}))";

    /// <summary>Group cn values that make a teacher (default "teachers"); anyone else who logs in is a student.</summary>
    /// <remarks>No default values: the configuration binder appends to an initialised array instead of replacing it.</remarks>
    public string[] TeacherGroups { get; set; } = [];

    /// <summary>Group cn values that make an admin (default "admins"); the highest role a user's groups give wins.</summary>
    public string[] AdminGroups { get; set; } = [];

    public IReadOnlyList<string> EffectiveTeacherGroups => TeacherGroups.Length > 0 ? TeacherGroups : ["teachers"];

    public IReadOnlyList<string> EffectiveAdminGroups => AdminGroups.Length > 0 ? AdminGroups : ["admins"];

    public int ConnectTimeoutSeconds { get; set; } = 5;

    public int OperationTimeoutSeconds { get; set; } = 10;

    /// <summary>Calls to the directory at a time; when a stalled directory holds them all, logins get 503 at once.</summary>
    public int MaxConcurrentOperations { get; set; } = 8;

    public int EffectivePort => Port > 0 ? Port : Security == LdapSecurity.Ldaps ? 636 : 389;
}

public sealed class LdapOptionsValidator : IValidateOptions<LdapOptions>
{
    public ValidateOptionsResult Validate(string? name, LdapOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        string? problem = options switch
        {
            { Host: null or "" } => "Ldap:Host: is required when Ldap:Enabled is true",
            { Port: < 0 or > 65535 } => "Ldap:Port: must be between 1 and 65535",
            { BindDn: null or "" } => "Ldap:BindDn: is required when Ldap:Enabled is true (a service account that can search users)",
            { BindPassword: null or "" } => "Ldap:BindPassword: is required when Ldap:Enabled is true (put it in a credentials file)",
            { UserBaseDn: "" } => "Ldap:UserBaseDn: is required when Ldap:Enabled is true",
            { GroupBaseDn: "" } => "Ldap:GroupBaseDn: is required when Ldap:Enabled is true",
            { ConnectTimeoutSeconds: < 1 or > 120 } => "Ldap:ConnectTimeoutSeconds: must be between 1 and 120",
            { OperationTimeoutSeconds: < 1 or > 300 } => "Ldap:OperationTimeoutSeconds: must be between 1 and 300",
            { MaxConcurrentOperations: < 1 or > 256 } => "Ldap:MaxConcurrentOperations: must be between 1 and 256",
            _ when !options.UserFilter.Contains("{0}", StringComparison.Ordinal) => "Ldap:UserFilter: must contain {0} where the user name goes",
            { CaCertificatePath: { Length: > 0 } ca } when !File.Exists(ca) => $"Ldap:CaCertificatePath: '{ca}' does not exist",
            _ => null,
        };
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
