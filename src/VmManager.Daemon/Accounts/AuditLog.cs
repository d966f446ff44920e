using System.Data;
using Dapper;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Accounts;

public sealed record AuditEntry(
    long Id, DateTimeOffset At, string Actor, string Action, string? Target, string Outcome, string? Detail, string? ClientAddress);

public sealed record AuditQuery(string? Actor, string? Action, DateTimeOffset? From, DateTimeOffset? To, int Page, int PageSize);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Page, int PageSize, long Total);

/// <summary>The names used in audit_log; Machines adds its own actions (vm.create, vm.start …).</summary>
public static class AuditActions
{
    public const string Login = "session.login";
    public const string Logout = "session.logout";
    public const string RevokeSessions = "session.revoke-all";
    public const string SetQuota = "quota.set";
    public const string RemoveQuota = "quota.remove";
    public const string VmCreate = "vm.create";
    public const string VmExtend = "vm.extend";
    public const string VmCredentials = "vm.credentials";
    public const string VmLog = "vm.log-read";
    public const string ConsoleIssue = "console.issue";
    public const string ConsoleOpen = "console.open";
    public const string ConsoleClose = "console.close";

    /// <summary>vm.start, vm.stop, vm.force-off, vm.reboot, vm.delete.</summary>
    public static string ForJob(string jobKind) => "vm." + jobKind;
}

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Throttled = "throttled";
    public const string Error = "error";
}

/// <summary>Who did what, when. Never pass a secret in <c>detail</c>: admins read it in the UI.</summary>
public sealed class AuditLog(Database database, TimeProvider time)
{
    public void Record(string actor, string action, string? target, string outcome, string? detail, string? clientAddress)
    {
        using var connection = database.Open();
        Record(connection, null, actor, action, target, outcome, detail, clientAddress);
    }

    /// <summary>Inside the caller's transaction, so the entry exists exactly when the change it describes does.</summary>
    public void Record(IDbConnection connection, IDbTransaction? transaction,
        string actor, string action, string? target, string outcome, string? detail, string? clientAddress) =>
        connection.Execute(
            """
            INSERT INTO audit_log (at, actor, action, target, outcome, detail, client_address)
            VALUES (@at, @actor, @action, @target, @outcome, @detail, @clientAddress)
            """,
            new { at = time.GetUtcNow(), actor, action, target, outcome, detail, clientAddress }, transaction);

    /// <summary>Newest first.</summary>
    public AuditPage Find(AuditQuery query)
    {
        var where = new List<string>();
        if (query.Actor is not null)
        {
            where.Add("actor = @Actor COLLATE NOCASE");
        }
        if (query.Action is not null)
        {
            where.Add("action = @Action");
        }
        if (query.From is not null)
        {
            where.Add("at >= @From");
        }
        if (query.To is not null)
        {
            where.Add("at < @To");
        }
        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        var parameters = new DynamicParameters(query);
        parameters.Add("offset", (long)(query.Page - 1) * query.PageSize);
        using var connection = database.Open();
        var total = connection.ExecuteScalar<long>($"SELECT COUNT(*) FROM audit_log {filter}", parameters);
        var items = connection.Query<AuditEntry>(
            $"""
            SELECT id AS Id, at AS At, actor AS Actor, action AS Action, target AS Target, outcome AS Outcome, detail AS Detail, client_address AS ClientAddress
            FROM audit_log {filter} ORDER BY at DESC, id DESC LIMIT @PageSize OFFSET @offset
            """, parameters)
            .ToList();
        return new AuditPage(items, query.Page, query.PageSize, total);
    }
}
