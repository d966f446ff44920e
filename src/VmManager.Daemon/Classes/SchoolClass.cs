namespace VmManager.Daemon.Classes;

public static class ClassSources
{
    public const string Local = "local";
    public const string Ldap = "ldap";
}

public static class ClassParts
{
    public const string Student = "student";
    public const string Teacher = "teacher";
}

/// <summary>A person in a class; the name and address are known for directory members, else from their latest login.</summary>
public sealed record ClassMember(string UserName, string? DisplayName, string? Email);

/// <summary>A class: its students and the teachers who see and help them.</summary>
public sealed record SchoolClass(string Id, string DisplayName, string Source, IReadOnlyList<ClassMember> Students, IReadOnlyList<ClassMember> Teachers);

/// <summary>A class's limits above the role's default; null fields keep the role's.</summary>
public sealed record ClassQuota(int? MaxVms, int? MaxCpus, int? MaxMemoryMiB, int? MaxDiskGiB, int? MaxRunningVms);

/// <summary>When memberships were last read from the directory, and why the last attempt failed if it did.</summary>
public sealed record ClassSyncStatus(DateTimeOffset? SyncedAt, DateTimeOffset AttemptedAt, string? LastError);
