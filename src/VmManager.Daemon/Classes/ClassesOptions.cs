using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Classes;

/// <summary>Which directory groups are classes, and where their teachers come from.</summary>
public sealed class LdapClassesOptions
{
    /// <summary>Off: only local classes (admin page, CLI). On: Ldap:Enabled must be on too.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where class groups are searched (subtree).</summary>
    public string BaseDn { get; set; } = "";

    /// <summary>Which entries under <see cref="BaseDn"/> are classes; groupOfNames (member) and posixGroup (memberUid) are both read.</summary>
    public string Filter { get; set; } = "(|(objectClass=groupOfNames)(objectClass=posixGroup))";

    /// <summary>The attribute naming a class (its id); <see cref="DisplayNameAttribute"/> names it for people.</summary>
    public string IdAttribute { get; set; } = "cn";

    public string DisplayNameAttribute { get; set; } = "description";

    /// <summary>An attribute of the class group holding its teachers' DNs (e.g. owner); empty to not read one.</summary>
    public string TeacherAttribute { get; set; } = "owner";

    /// <summary>A group searched under Ldap:GroupBaseDn whose members teach the class, {id} replaced by the class id (e.g. "{id}-teachers"); empty for none.</summary>
    public string TeacherGroup { get; set; } = "";

    /// <summary>How deep groups inside groups are followed (0: direct members only); a cycle is never followed twice.</summary>
    public int NestingDepth { get; set; } = 3;
}

public sealed class ClassesOptions
{
    public const string Section = "Classes";

    /// <summary>How often memberships are read again from the directory (and at start, and after a login that found none recent).</summary>
    public int RefreshSeconds { get; set; } = 300;

    public LdapClassesOptions Ldap { get; set; } = new();
}

public sealed class ClassesOptionsValidator(IOptions<Accounts.LdapOptions> ldap) : IValidateOptions<ClassesOptions>
{
    public ValidateOptionsResult Validate(string? name, ClassesOptions options)
    {
        var classes = options.Ldap;
        string? problem = options switch
        {
            { RefreshSeconds: < 1 or > 86400 } => "Classes:RefreshSeconds: must be between 1 and 86400",
            { Ldap.Enabled: false } => null,
            _ when !ldap.Value.Enabled => "Classes:Ldap:Enabled: needs Ldap:Enabled (classes are read with its connection)",
            { Ldap.BaseDn: null or "" } => "Classes:Ldap:BaseDn: is required when Classes:Ldap:Enabled is true",
            { Ldap.Filter: null or "" } => "Classes:Ldap:Filter: is required when Classes:Ldap:Enabled is true",
            { Ldap.IdAttribute: null or "" } => "Classes:Ldap:IdAttribute: is required when Classes:Ldap:Enabled is true",
            { Ldap.NestingDepth: < 0 or > 10 } => "Classes:Ldap:NestingDepth: must be between 0 and 10",
            _ when string.IsNullOrEmpty(classes.TeacherAttribute) && string.IsNullOrEmpty(classes.TeacherGroup) =>
                "Classes:Ldap:TeacherAttribute: set it (e.g. owner) or Classes:Ldap:TeacherGroup (e.g. {id}-teachers), or no class would have a teacher",
            _ when classes.TeacherGroup is { Length: > 0 } group && !group.Contains("{id}", StringComparison.Ordinal) =>
                "Classes:Ldap:TeacherGroup: must contain {id} where the class id goes",
            _ => null,
        };
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
