using System.Data;
using Dapper;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Classes;

/// <summary>
/// The classes tables. Every change bumps <see cref="Version"/> and raises <see cref="Changed"/>, so the
/// visibility rule and open consoles follow memberships without polling the database.
/// </summary>
public sealed class ClassStore(Database database, TimeProvider time)
{
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Memberships changed (a refresh from the directory, or an admin's edit).</summary>
    public event Action? Changed;

    public IReadOnlyList<SchoolClass> List()
    {
        using var connection = database.Open();
        var classes = connection.Query<(string Id, string DisplayName, string Source)>(
            "SELECT id, display_name, source FROM classes ORDER BY display_name COLLATE NOCASE, id").AsList();
        var members = connection.Query<(string ClassId, string UserName, string Part, string? DisplayName, string? Email)>(
            """
            SELECT m.class_id, m.user_name, m.part, COALESCE(m.display_name, c.display_name), COALESCE(m.email, c.email)
            FROM class_members AS m LEFT JOIN user_contacts AS c ON c.user_name = m.user_name
            ORDER BY m.user_name COLLATE NOCASE
            """).ToLookup(member => member.ClassId, StringComparer.OrdinalIgnoreCase);
        List<ClassMember> Of(string id, string part) =>
            members[id].Where(member => member.Part == part).Select(member => new ClassMember(member.UserName, member.DisplayName, member.Email)).ToList();
        return classes.Select(c => new SchoolClass(c.Id, c.DisplayName, c.Source, Of(c.Id, ClassParts.Student), Of(c.Id, ClassParts.Teacher))).ToList();
    }

    public SchoolClass? Find(string id) => List().FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Each student of the classes <paramref name="teacher"/> teaches, with the first such class (by id).</summary>
    public IReadOnlyDictionary<string, string> StudentsTaughtBy(string teacher)
    {
        using var connection = database.Open();
        var rows = connection.Query<(string Student, string ClassId)>(
            """
            SELECT s.user_name, MIN(s.class_id) FROM class_members AS t
            JOIN class_members AS s ON s.class_id = t.class_id AND s.part = 'student'
            WHERE t.user_name = @teacher AND t.part = 'teacher'
            GROUP BY s.user_name COLLATE NOCASE
            """, new { teacher });
        return rows.ToDictionary(row => row.Student, row => row.ClassId, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The teachers of every class <paramref name="student"/> is in (empty: the student is in no class).</summary>
    public static IReadOnlyList<ClassMember> TeachersOf(IDbConnection connection, IDbTransaction? transaction, string student) =>
        connection.Query<(string UserName, string? DisplayName, string? Email)>(
            """
            SELECT DISTINCT t.user_name, COALESCE(t.display_name, c.display_name), COALESCE(t.email, c.email)
            FROM class_members AS s
            JOIN class_members AS t ON t.class_id = s.class_id AND t.part = 'teacher'
            LEFT JOIN user_contacts AS c ON c.user_name = t.user_name
            WHERE s.user_name = @student AND s.part = 'student'
            """, new { student }, transaction).Select(row => new ClassMember(row.UserName, row.DisplayName, row.Email)).ToList();

    /// <summary>The quotas of the classes <paramref name="student"/> is in, with the class each comes from.</summary>
    public static IReadOnlyList<(string ClassId, ClassQuota Quota)> QuotasOf(IDbConnection connection, IDbTransaction? transaction, string student) =>
        connection.Query<(string ClassId, int? MaxVms, int? MaxCpus, int? MaxMemoryMiB, int? MaxDiskGiB, int? MaxRunningVms)>(
            """
            SELECT q.class_id, q.max_vms, q.max_cpus, q.max_memory_mib, q.max_disk_gib, q.max_running_vms
            FROM class_members AS s JOIN class_quotas AS q ON q.class_id = s.class_id
            WHERE s.user_name = @student AND s.part = 'student' ORDER BY q.class_id
            """, new { student }, transaction)
            .Select(row => (row.ClassId, new ClassQuota(row.MaxVms, row.MaxCpus, row.MaxMemoryMiB, row.MaxDiskGiB, row.MaxRunningVms))).ToList();

    public ClassQuota? QuotaOf(string classId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<ClassQuota>(
            """
            SELECT max_vms AS MaxVms, max_cpus AS MaxCpus, max_memory_mib AS MaxMemoryMiB, max_disk_gib AS MaxDiskGiB, max_running_vms AS MaxRunningVms
            FROM class_quotas WHERE class_id = @classId
            """, new { classId });
    }

    /// <summary>False when the class does not exist.</summary>
    public bool SetQuota(string classId, ClassQuota quota, string setBy)
    {
        using var connection = database.Open();
        return connection.Execute(
            """
            INSERT INTO class_quotas (class_id, max_vms, max_cpus, max_memory_mib, max_disk_gib, max_running_vms, set_at, set_by)
            SELECT id, @MaxVms, @MaxCpus, @MaxMemoryMiB, @MaxDiskGiB, @MaxRunningVms, @now, @setBy FROM classes WHERE id = @classId
            ON CONFLICT (class_id) DO UPDATE SET max_vms = excluded.max_vms, max_cpus = excluded.max_cpus, max_memory_mib = excluded.max_memory_mib,
                max_disk_gib = excluded.max_disk_gib, max_running_vms = excluded.max_running_vms, set_at = excluded.set_at, set_by = excluded.set_by
            """, new { classId, quota.MaxVms, quota.MaxCpus, quota.MaxMemoryMiB, quota.MaxDiskGiB, quota.MaxRunningVms, now = time.GetUtcNow(), setBy }) == 1;
    }

    /// <summary>False when a class with this id exists already.</summary>
    public bool AddLocal(string id, string displayName)
    {
        using var connection = database.Open();
        var added = connection.Execute(
            "INSERT INTO classes (id, display_name, source, updated_at) VALUES (@id, @displayName, 'local', @now) ON CONFLICT DO NOTHING",
            new { id, displayName, now = time.GetUtcNow() }) == 1;
        return Bump(added);
    }

    /// <summary>False when there is no local class with this id (directory classes change in the directory).</summary>
    public bool RemoveLocal(string id)
    {
        using var connection = database.Open();
        return Bump(connection.Execute("DELETE FROM classes WHERE id = @id AND source = 'local'", new { id }) == 1);
    }

    /// <summary>Adds and removes members of a local class; false when there is no local class with this id.</summary>
    public bool EditLocal(string id, string part, IEnumerable<string> add, IEnumerable<string> remove)
    {
        var changed = database.InWriteTransaction((connection, transaction) =>
        {
            if (connection.ExecuteScalar<int>("SELECT COUNT(*) FROM classes WHERE id = @id AND source = 'local'", new { id }, transaction) == 0)
            {
                return false;
            }
            var classId = connection.ExecuteScalar<string>("SELECT id FROM classes WHERE id = @id", new { id }, transaction);
            foreach (var userName in add)
            {
                connection.Execute("INSERT INTO class_members (class_id, user_name, part) VALUES (@classId, @userName, @part) ON CONFLICT DO NOTHING",
                    new { classId, userName, part }, transaction);
            }
            foreach (var userName in remove)
            {
                connection.Execute("DELETE FROM class_members WHERE class_id = @classId AND user_name = @userName AND part = @part",
                    new { classId, userName, part }, transaction);
            }
            return true;
        });
        return Bump(changed);
    }

    /// <summary>
    /// Makes the directory classes exactly <paramref name="classes"/> in one transaction (a class gone from the
    /// directory goes with its quota); returns whether any membership changed.
    /// </summary>
    public bool ReplaceDirectoryClasses(IReadOnlyList<SchoolClass> classes)
    {
        var now = time.GetUtcNow();
        var changed = database.InWriteTransaction((connection, transaction) =>
        {
            var before = Fingerprint(connection, transaction);
            var ids = classes.Select(c => c.Id).ToList();
            connection.Execute("DELETE FROM classes WHERE source = 'ldap' AND id NOT IN @ids", new { ids }, transaction);
            foreach (var schoolClass in classes)
            {
                connection.Execute(
                    """
                    INSERT INTO classes (id, display_name, source, updated_at) VALUES (@Id, @DisplayName, 'ldap', @now)
                    ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at WHERE classes.source = 'ldap'
                    """, new { schoolClass.Id, schoolClass.DisplayName, now }, transaction);
                connection.Execute("DELETE FROM class_members WHERE class_id = @Id AND EXISTS (SELECT 1 FROM classes WHERE id = @Id AND source = 'ldap')",
                    new { schoolClass.Id }, transaction);
                foreach (var (part, members) in new[] { (ClassParts.Student, schoolClass.Students), (ClassParts.Teacher, schoolClass.Teachers) })
                {
                    connection.Execute(
                        """
                        INSERT INTO class_members (class_id, user_name, part, display_name, email)
                        SELECT id, @UserName, @part, @DisplayName, @Email FROM classes WHERE id = @classId AND source = 'ldap'
                        ON CONFLICT DO NOTHING
                        """, members.Select(member => new { classId = schoolClass.Id, member.UserName, part, member.DisplayName, member.Email }), transaction);
                }
            }
            return Fingerprint(connection, transaction) != before;
        });
        return Bump(changed);
    }

    public void RecordSync(string? error)
    {
        using var connection = database.Open();
        connection.Execute(
            """
            INSERT INTO class_sync (source, synced_at, attempted_at, last_error) VALUES ('ldap', CASE WHEN @error IS NULL THEN @now END, @now, @error)
            ON CONFLICT (source) DO UPDATE SET synced_at = COALESCE(excluded.synced_at, class_sync.synced_at),
                attempted_at = excluded.attempted_at, last_error = excluded.last_error
            """, new { now = time.GetUtcNow(), error });
    }

    public ClassSyncStatus? SyncStatus()
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<ClassSyncStatus>(
            "SELECT synced_at AS SyncedAt, attempted_at AS AttemptedAt, last_error AS LastError FROM class_sync WHERE source = 'ldap'");
    }

    private static string Fingerprint(IDbConnection connection, IDbTransaction transaction) => string.Join('\n', connection.Query<string>(
        "SELECT class_id || '|' || part || '|' || lower(user_name) FROM class_members ORDER BY 1", transaction: transaction));

    private bool Bump(bool changed)
    {
        if (changed)
        {
            Interlocked.Increment(ref _version);
            Changed?.Invoke();
        }
        return changed;
    }
}
