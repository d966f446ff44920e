using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Accounts;

public enum SessionCheck
{
    /// <summary>Unknown, revoked or expired: the cookie must go.</summary>
    Invalid,
    Valid,
    /// <summary>Valid, and its expiry just slid: reissue the cookie with the new expiry.</summary>
    Extended,
}

/// <summary>
/// Server-side sessions. The cookie carries a random id; only its SHA-256 is stored, so the table alone
/// (a backup, say) lets nobody in. Expiry slides with activity, written at most once a minute per session.
/// </summary>
public sealed class SessionStore(Database database, IOptions<AccountsOptions> options, TimeProvider time, SessionRevocations revocations)
{
    public const string SessionIdClaim = "vmm:sid";
    internal static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);
    // Expired rows are kept a day for whoever investigates, then pruned at the next login.
    private static readonly TimeSpan KeepExpired = TimeSpan.FromDays(1);

    private TimeSpan Lifetime => TimeSpan.FromMinutes(options.Value.SessionMinutes);

    private TimeSpan MaxLifetime => TimeSpan.FromHours(options.Value.MaxSessionHours);

    /// <summary>Returns the new session's id, for the cookie only.</summary>
    public string Create(AuthenticatedUser user, string? clientAddress)
    {
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("DELETE FROM sessions WHERE expires_at < @cutoff", new { cutoff = now - KeepExpired }, transaction);
        connection.Execute(
            """
            INSERT INTO sessions (id_hash, user_name, role, display_name, created_at, last_seen_at, expires_at, client_address)
            VALUES (@hash, @UserName, @role, @DisplayName, @now, @now, @expires, @clientAddress)
            """,
            new { hash = Hash(id), user.UserName, role = user.Role.ToString().ToLowerInvariant(), user.DisplayName, now, expires = now + Min(Lifetime, MaxLifetime), clientAddress },
            transaction);
        // A login tells the user's current role (directory groups, local account): their other sessions take it
        // at their next request, so a demoted teacher's forgotten laptop session is a student's.
        connection.Execute(
            "UPDATE sessions SET role = @role WHERE user_name = @UserName AND revoked_at IS NULL AND expires_at > @now",
            new { user.UserName, role = user.Role.ToString().ToLowerInvariant(), now }, transaction);
        // Requests mail the user later (answers, lease warnings), when their session may be long gone.
        connection.Execute(
            """
            INSERT INTO user_contacts (user_name, display_name, email, updated_at) VALUES (@UserName, @DisplayName, @Email, @now)
            ON CONFLICT (user_name) DO UPDATE SET display_name = excluded.display_name, email = excluded.email, updated_at = excluded.updated_at
            """,
            new { user.UserName, user.DisplayName, Email = string.IsNullOrWhiteSpace(user.Email) ? null : user.Email.Trim(), now }, transaction);
        transaction.Commit();
        return id;
    }

    /// <summary>The session's state, and whom it belongs to with which role now (no name when it is unknown).</summary>
    public (SessionCheck Result, string? UserName, Role Role) Check(string sessionId)
    {
        var now = time.GetUtcNow();
        var hash = Hash(sessionId);
        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<SessionRow>(
            "SELECT user_name AS UserName, role AS Role, created_at AS CreatedAt, last_seen_at AS LastSeenAt, expires_at AS ExpiresAt, revoked_at AS RevokedAt "
            + "FROM sessions WHERE id_hash = @hash", new { hash });
        if (row is null)
        {
            return (SessionCheck.Invalid, null, Role.Student);
        }
        var role = Enum.Parse<Role>(row.Role, ignoreCase: true);
        var end = row.CreatedAt + MaxLifetime;
        if (row.RevokedAt is not null || row.ExpiresAt <= now || end <= now)
        {
            return (SessionCheck.Invalid, row.UserName, role);
        }
        if (now - row.LastSeenAt < TouchInterval)
        {
            return (SessionCheck.Valid, row.UserName, role);
        }
        var extended = connection.Execute(
            "UPDATE sessions SET last_seen_at = @now, expires_at = @expires WHERE id_hash = @hash AND revoked_at IS NULL",
            new { hash, now, expires = Min(now + Lifetime, end) });
        return (extended == 1 ? SessionCheck.Extended : SessionCheck.Invalid, row.UserName, role);
    }

    private static T Min<T>(T first, T second) where T : IComparable<T> => first.CompareTo(second) <= 0 ? first : second;

    /// <summary>Logout: returns whether a live session was revoked.</summary>
    public bool Revoke(string sessionId)
    {
        using var connection = database.Open();
        var userName = connection.QuerySingleOrDefault<string>(
            "UPDATE sessions SET revoked_at = @now WHERE id_hash = @hash AND revoked_at IS NULL RETURNING user_name",
            new { hash = Hash(sessionId), now = time.GetUtcNow() });
        if (userName is null)
        {
            return false;
        }
        revocations.Raise(userName);
        return true;
    }

    /// <summary>Logs the user out everywhere (admin action, CLI); returns how many live sessions ended.</summary>
    public int RevokeAllFor(string userName)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        var revoked = connection.Execute(
            "UPDATE sessions SET revoked_at = @now WHERE user_name = @userName AND revoked_at IS NULL AND expires_at > @now",
            new { userName, now });
        // Raised even when no session was live: a console may outlive its session's expiry.
        revocations.Raise(userName);
        return revoked;
    }

    /// <summary>The role the user had at their latest login, if they ever logged in.</summary>
    public Role? LastKnownRole(string userName)
    {
        using var connection = database.Open();
        var role = connection.QueryFirstOrDefault<string>(
            "SELECT role FROM sessions WHERE user_name = @userName ORDER BY created_at DESC LIMIT 1", new { userName });
        return role is null ? null : Enum.Parse<Role>(role, ignoreCase: true);
    }

    private static string Hash(string sessionId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId)));

    private sealed class SessionRow
    {
        public string UserName { get; set; } = "";

        public string Role { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset LastSeenAt { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }

        public DateTimeOffset? RevokedAt { get; set; }
    }
}
