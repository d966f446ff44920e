using System.Data;
using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Accounts;

/// <summary>Limits a user gets from a group they belong to (a class), above their role's default; implemented by Classes.</summary>
public interface IGroupQuotas
{
    /// <summary>Each group's limits with where they come from (e.g. "class:net-2b"); null fields grant nothing.</summary>
    IReadOnlyList<(string Source, QuotaChange Limits)> For(IDbConnection connection, IDbTransaction? transaction, string userName);
}

/// <summary>
/// Role defaults from <see cref="QuotaOptions"/>, raised by the user's groups (the highest wins), then per-user
/// overrides from quota_overrides; usage from machines.
/// </summary>
public sealed class QuotaService(Database database, IOptions<QuotaOptions> options, TimeProvider time, IGroupQuotas? groups = null)
{
    /// <summary>Where a limit comes from when nothing raised or overrode it.</summary>
    public const string RoleSource = "role";

    /// <summary>The source name of the override an admin sets through the API.</summary>
    public const string AdminSource = "admin";

    /// <summary>What a user may use, what their VMs use and the overrides in force, read on one connection.</summary>
    public QuotaSnapshot StatusOf(string userName, Role role)
    {
        using var connection = database.Open();
        var overrides = ActiveOverrides(connection, null, userName);
        var (limits, sources) = Effective(role, overrides, groups?.For(connection, null, userName) ?? []);
        return new QuotaSnapshot(limits, UsageOf(connection, null, userName), overrides) { Sources = sources };
    }

    public Quota EffectiveFor(IDbConnection connection, IDbTransaction? transaction, string userName, Role role) =>
        Effective(role, ActiveOverrides(connection, transaction, userName), groups?.For(connection, transaction, userName) ?? []).Limits;

    /// <summary>
    /// Per field: the first override (newest first) that sets it, else the highest of the role's default and the
    /// user's groups' limits; with where each limit comes from ("role", "class:ID", or the override's source).
    /// </summary>
    private (Quota Limits, IReadOnlyDictionary<string, string> Sources) Effective(
        Role role, List<QuotaOverride> overrides, IReadOnlyList<(string Source, QuotaChange Limits)> groupLimits)
    {
        var defaults = options.Value.For(role);
        var sources = new Dictionary<string, string>();
        int Pick(string name, Func<QuotaOverride, int?> overridden, Func<QuotaChange, int?> granted, int roleDefault)
        {
            if (overrides.FirstOrDefault(o => overridden(o) is not null) is { } winner)
            {
                sources[name] = winner.Source;
                return overridden(winner)!.Value;
            }
            var (source, value) = groupLimits.Where(g => granted(g.Limits) > roleDefault)
                .Select(g => (g.Source, granted(g.Limits)!.Value)).DefaultIfEmpty((RoleSource, roleDefault)).MaxBy(pair => pair.Item2);
            sources[name] = source;
            return value;
        }
        var limits = new Quota(
            Pick("maxVms", o => o.MaxVms, g => g.MaxVms, defaults.MaxVms),
            Pick("maxCpus", o => o.MaxCpus, g => g.MaxCpus, defaults.MaxCpus),
            Pick("maxMemoryMiB", o => o.MaxMemoryMiB, g => g.MaxMemoryMiB, defaults.MaxMemoryMiB),
            Pick("maxDiskGiB", o => o.MaxDiskGiB, g => g.MaxDiskGiB, defaults.MaxDiskGiB),
            Pick("maxRunningVms", o => o.MaxRunningVms, g => g.MaxRunningVms, defaults.MaxRunningVms));
        return (limits, sources);
    }

    private static Usage UsageOf(IDbConnection connection, IDbTransaction? transaction, string userName)
    {
        var row = connection.QuerySingle<UsageRow>(
            """
            SELECT COUNT(*) AS Vms, COALESCE(SUM(cpus), 0) AS Cpus, COALESCE(SUM(memory_mib), 0) AS MemoryMiB,
                   COALESCE(SUM(disk_gib), 0) AS DiskGiB, COALESCE(SUM(state IN ('running', 'creating') OR EXISTS (
                       SELECT 1 FROM jobs WHERE jobs.machine_id = machines.id AND jobs.kind = 'start' AND jobs.state IN ('queued', 'running'))), 0) AS RunningVms
            FROM machines WHERE owner = @userName AND state NOT IN ('deleted', 'gone')
            """, new { userName }, transaction);
        return new Usage((int)row.Vms, (int)row.Cpus, (int)row.MemoryMiB, (int)row.DiskGiB, (int)row.RunningVms);
    }

    /// <summary>
    /// Throws <see cref="QuotaExceededException"/> when <paramref name="demand"/> does not fit. Call it inside the
    /// BEGIN IMMEDIATE transaction that also writes the VM: the write lock makes check-and-insert atomic,
    /// so parallel creates cannot all see the same free slot.
    /// </summary>
    public void EnsureAllows(IDbConnection connection, IDbTransaction transaction, string userName, Role role, ResourceDemand demand)
    {
        var quota = EffectiveFor(connection, transaction, userName, role);
        var usage = UsageOf(connection, transaction, userName);
        Check("maxVms", demand.Vms, usage.Vms, quota.MaxVms);
        Check("maxCpus", demand.Cpus, usage.Cpus, quota.MaxCpus);
        Check("maxMemoryMiB", demand.MemoryMiB, usage.MemoryMiB, quota.MaxMemoryMiB);
        Check("maxDiskGiB", demand.DiskGiB, usage.DiskGiB, quota.MaxDiskGiB);
        Check("maxRunningVms", demand.RunningVms, usage.RunningVms, quota.MaxRunningVms);

        static void Check(string field, int demanded, int used, int limit)
        {
            if (demanded > 0 && used + demanded > limit)
            {
                throw new QuotaExceededException(field, limit, used + demanded);
            }
        }
    }

    /// <summary>Creates or replaces the override from <paramref name="source"/> (e.g. "admin", "request:42").</summary>
    public void SetOverride(string userName, string source, QuotaChange change, DateTimeOffset? expiresAt, string setBy, string? reason)
    {
        using var connection = database.Open();
        SetOverride(connection, null, userName, source, change, expiresAt, setBy, reason);
    }

    /// <summary>Inside the caller's transaction (an approved request: the override exists exactly when the approval does).</summary>
    public void SetOverride(IDbConnection connection, IDbTransaction? transaction,
        string userName, string source, QuotaChange change, DateTimeOffset? expiresAt, string setBy, string? reason) =>
        connection.Execute(
            """
            INSERT INTO quota_overrides (user_name, source, max_vms, max_cpus, max_memory_mib, max_disk_gib, max_running_vms, expires_at, set_at, set_by, reason)
            VALUES (@userName, @source, @MaxVms, @MaxCpus, @MaxMemoryMiB, @MaxDiskGiB, @MaxRunningVms, @expiresAt, @now, @setBy, @reason)
            ON CONFLICT (user_name, source) DO UPDATE SET
                max_vms = excluded.max_vms, max_cpus = excluded.max_cpus, max_memory_mib = excluded.max_memory_mib,
                max_disk_gib = excluded.max_disk_gib, max_running_vms = excluded.max_running_vms,
                expires_at = excluded.expires_at, set_at = excluded.set_at, set_by = excluded.set_by, reason = excluded.reason
            """,
            new
            {
                userName, source, change.MaxVms, change.MaxCpus, change.MaxMemoryMiB, change.MaxDiskGiB, change.MaxRunningVms,
                expiresAt, now = time.GetUtcNow(), setBy, reason,
            }, transaction);

    /// <summary>Returns whether there was such an override.</summary>
    public bool RemoveOverride(string userName, string source)
    {
        using var connection = database.Open();
        return connection.Execute("DELETE FROM quota_overrides WHERE user_name = @userName AND source = @source", new { userName, source }) > 0;
    }

    /// <summary>The overrides in force, most recently set first.</summary>
    private List<QuotaOverride> ActiveOverrides(IDbConnection connection, IDbTransaction? transaction, string userName) =>
        connection.Query<OverrideRow>(
            """
            SELECT source AS Source, max_vms AS MaxVms, max_cpus AS MaxCpus, max_memory_mib AS MaxMemoryMiB, max_disk_gib AS MaxDiskGiB,
                   max_running_vms AS MaxRunningVms, expires_at AS ExpiresAt, set_at AS SetAt, set_by AS SetBy, reason AS Reason
            FROM quota_overrides
            WHERE user_name = @userName AND (expires_at IS NULL OR expires_at > @now)
            ORDER BY set_at DESC, id DESC
            """, new { userName, now = time.GetUtcNow() }, transaction)
        .Select(row => new QuotaOverride(row.Source, row.MaxVms, row.MaxCpus, row.MaxMemoryMiB, row.MaxDiskGiB, row.MaxRunningVms,
            row.ExpiresAt, row.SetAt, row.SetBy, row.Reason))
        .ToList();

    private sealed class UsageRow
    {
        public long Vms { get; set; }

        public long Cpus { get; set; }

        public long MemoryMiB { get; set; }

        public long DiskGiB { get; set; }

        public long RunningVms { get; set; }
    }

    private sealed class OverrideRow
    {
        public string Source { get; set; } = "";

        public int? MaxVms { get; set; }

        public int? MaxCpus { get; set; }

        public int? MaxMemoryMiB { get; set; }

        public int? MaxDiskGiB { get; set; }

        public int? MaxRunningVms { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }

        public DateTimeOffset SetAt { get; set; }

        public string SetBy { get; set; } = "";

        public string? Reason { get; set; }
    }
}

/// <summary>The limits an override sets; null leaves the field to older overrides or the role default.</summary>
public sealed record QuotaSnapshot(Quota Limits, Usage Usage, IReadOnlyList<QuotaOverride> Overrides)
{
    /// <summary>Per limit (maxVms …), where it comes from: "role", "class:ID", "admin" or "request:N".</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();
}

public sealed record QuotaChange(int? MaxVms, int? MaxCpus, int? MaxMemoryMiB, int? MaxDiskGiB, int? MaxRunningVms);
