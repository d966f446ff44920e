using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Requests;

/// <summary>A VM as a lifetime request needs it.</summary>
public sealed class RequestedMachine
{
    public string Id { get; init; } = "";

    public string Owner { get; init; } = "";

    public string Name { get; init; } = "";

    public string State { get; init; } = "";

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Being deleted or gone: its lease can no longer be extended.</summary>
    public bool IsLive => State != MachineStates.Deleting && !MachineStates.IsFinal(State);
}

/// <summary>SQL for resource_requests.</summary>
public sealed class RequestStore(Database database)
{
    private const string Columns =
        "r.id, r.requester, r.requester_role, r.kind, r.amount, r.machine_id, r.template, r.until, r.reason, r.status, r.created_at, r.decided_at, r.decided_by, r.comment, m.name AS vm_name";
    private const string From = "resource_requests AS r LEFT JOIN machines AS m ON m.id = r.machine_id";

    public const int ListLimit = 1000;

    /// <inheritdoc cref="Database.InWriteTransaction{T}"/>
    public T InWriteTransaction<T>(Func<IDbConnection, IDbTransaction, T> work) => database.InWriteTransaction(work);

    public static long Insert(IDbConnection connection, IDbTransaction transaction, ResourceRequest request) =>
        connection.ExecuteScalar<long>(
            """
            INSERT INTO resource_requests (requester, requester_role, kind, amount, machine_id, template, until, reason, status, created_at)
            VALUES (@Requester, @RequesterRole, @Kind, @Amount, @MachineId, @Template, @Until, @Reason, @Status, @CreatedAt)
            RETURNING id
            """, request, transaction);

    public static ResourceRequest? Find(IDbConnection connection, IDbTransaction? transaction, long id) =>
        connection.QuerySingleOrDefault<ResourceRequest>($"SELECT {Columns} FROM {From} WHERE r.id = @id", new { id }, transaction);

    public ResourceRequest? Find(long id)
    {
        using var connection = database.Open();
        return Find(connection, null, id);
    }

    /// <summary>Newest first; <paramref name="requester"/> null means everyone's.</summary>
    public IReadOnlyList<ResourceRequest> List(string? requester, string? status)
    {
        using var connection = database.Open();
        return connection.Query<ResourceRequest>(
            $"""
            SELECT {Columns} FROM {From}
            WHERE (@requester IS NULL OR r.requester = @requester) AND (@status IS NULL OR r.status = @status)
            ORDER BY r.id DESC LIMIT {ListLimit}
            """, new { requester, status }).AsList();
    }

    public static int PendingCount(IDbConnection connection, IDbTransaction transaction, string requester) =>
        connection.ExecuteScalar<int>("SELECT COUNT(*) FROM resource_requests WHERE requester = @requester AND status = 'pending'",
            new { requester }, transaction);

    /// <summary>The requests made since <paramref name="since"/>, oldest first (the first one leaving the window frees a slot).</summary>
    public static IReadOnlyList<DateTimeOffset> CreatedSince(IDbConnection connection, IDbTransaction transaction, string requester, DateTimeOffset since) =>
        connection.Query<DateTimeOffset>("SELECT created_at FROM resource_requests WHERE requester = @requester AND created_at > @since ORDER BY created_at",
            new { requester, since }, transaction).AsList();

    public bool AnyOverdue(DateTimeOffset now)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<bool>("SELECT EXISTS (SELECT 1 FROM resource_requests WHERE status = 'pending' AND until <= @now)", new { now });
    }

    /// <summary>Marks pending requests whose end date passed as expired; returns them.</summary>
    public static IReadOnlyList<ResourceRequest> ExpireOverdue(IDbConnection connection, IDbTransaction transaction, DateTimeOffset now) =>
        connection.Query<ResourceRequest>(
            """
            UPDATE resource_requests SET status = 'expired', decided_at = @now WHERE status = 'pending' AND until <= @now
            RETURNING id, requester, kind, amount, until
            """, new { now }, transaction).AsList();

    public static void Decide(IDbConnection connection, IDbTransaction transaction, long id, string status, DateTimeOffset now, string decidedBy, string? comment) =>
        connection.Execute(
            "UPDATE resource_requests SET status = @status, decided_at = @now, decided_by = @decidedBy, comment = @comment WHERE id = @id AND status = 'pending'",
            new { id, status, now, decidedBy, comment }, transaction);

    public static RequestedMachine? Machine(IDbConnection connection, IDbTransaction? transaction, string id) =>
        connection.QuerySingleOrDefault<RequestedMachine>(
            "SELECT id, owner, name, state, expires_at FROM machines WHERE id = @id", new { id }, transaction);
}
