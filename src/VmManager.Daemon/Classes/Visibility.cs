using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

/// <summary>
/// Whose VMs, job logs, screens and requests one user sees. <see cref="ClassOf"/> maps each student they
/// see through a class to that class, so an action on a student's VM can say in the audit log what allowed it.
/// </summary>
public sealed class Sight(string viewer, bool everyone, IReadOnlyDictionary<string, string> classOf)
{
    private static readonly IReadOnlyDictionary<string, string> NoStudents = new Dictionary<string, string>();

    public string Viewer { get; } = viewer;

    /// <summary>Admins, and teachers when Accounts:TeachersSeeAllStudents is on.</summary>
    public bool Everyone { get; } = everyone;

    public IReadOnlyDictionary<string, string> ClassOf { get; } = classOf;

    public static Sight All(string viewer) => new(viewer, true, NoStudents);

    public static Sight OwnOnly(string viewer) => new(viewer, false, NoStudents);

    public bool IsViewer(string owner) => string.Equals(owner, Viewer, StringComparison.OrdinalIgnoreCase);

    public bool Sees(string owner) => Everyone || IsViewer(owner) || ClassOf.ContainsKey(owner);

    /// <summary>The class through which the viewer sees <paramref name="owner"/>; null for their own, or when they see everyone.</summary>
    public string? ClassAllowing(string owner) => IsViewer(owner) ? null : ClassOf.GetValueOrDefault(owner);
}

/// <summary>
/// THE visibility rule, asked by every endpoint and stream that shows or acts on someone's VM or request:
/// a teacher sees a student's VMs iff they teach a class the student is in; admins see everything;
/// everyone sees their own (a teacher's own VMs are seen by the teachers of the classes the teacher is a
/// student of, like anyone's). Answers follow <see cref="ClassStore.Version"/>, so a refresh that
/// removes a student takes effect on the next request or event.
/// </summary>
public sealed class Visibility(ClassStore classes, IOptions<AccountsOptions> options)
{
    private readonly ConcurrentDictionary<string, (long Version, Sight Sight)> _taught = new(StringComparer.OrdinalIgnoreCase);

    public Sight SightOf(string userName, Role role) => role switch
    {
        Role.Admin => Sight.All(userName),
        Role.Teacher when options.Value.TeachersSeeAllStudents => Sight.All(userName),
        Role.Teacher => Taught(userName),
        _ => Sight.OwnOnly(userName),
    };

    private Sight Taught(string teacher)
    {
        var version = classes.Version;
        if (_taught.TryGetValue(teacher, out var cached) && cached.Version == version)
        {
            return cached.Sight;
        }
        var sight = new Sight(teacher, false, classes.StudentsTaughtBy(teacher));
        _taught[teacher] = (version, sight);
        return sight;
    }
}
