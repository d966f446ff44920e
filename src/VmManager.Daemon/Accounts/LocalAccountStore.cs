using Dapper;
using Microsoft.AspNetCore.Identity;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Accounts;

public sealed record LocalAccount(string UserName, string DisplayName, string? Email, Role Role, string PasswordHash);

/// <summary>Accounts kept in SQLite with the framework's PBKDF2 <see cref="PasswordHasher{TUser}"/>.</summary>
public sealed class LocalAccountStore(Database database, TimeProvider time)
{
    private static readonly PasswordHasher<string> Hasher = new();

    // A real hash to verify against when the account does not exist, so both paths cost the same.
    private static readonly string DummyHash = Hasher.HashPassword("", Guid.NewGuid().ToString());

    public void Create(string userName, string displayName, string? email, Role role, string password)
    {
        using var connection = database.Open();
        connection.Execute(
            "INSERT INTO local_accounts (user_name, display_name, email, role, password_hash, created_at) VALUES (@userName, @displayName, @email, @role, @hash, @now)",
            new { userName, displayName, email, role = role.ToString().ToLowerInvariant(), hash = Hasher.HashPassword(userName, password), now = time.GetUtcNow() });
    }

    public bool Exists(string userName)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM local_accounts WHERE user_name = @userName", new { userName }) > 0;
    }

    public bool SetPassword(string userName, string password)
    {
        using var connection = database.Open();
        return connection.Execute("UPDATE local_accounts SET password_hash = @hash WHERE user_name = @userName",
            new { userName, hash = Hasher.HashPassword(userName, password) }) == 1;
    }

    /// <summary>The account when the password matches; null otherwise, with the same cost for unknown names.</summary>
    public AuthenticatedUser? Verify(string userName, string password)
    {
        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<(string UserName, string DisplayName, string? Email, string Role, string PasswordHash)>(
            "SELECT user_name, display_name, email, role, password_hash FROM local_accounts WHERE user_name = @userName", new { userName });
        var hash = row.PasswordHash ?? DummyHash;
        var result = Hasher.VerifyHashedPassword(row.UserName ?? "", hash, password);
        if (row.UserName is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            SetPassword(row.UserName, password);
        }
        return new AuthenticatedUser(row.UserName, row.DisplayName, row.Email, Enum.Parse<Role>(row.Role, ignoreCase: true), []);
    }

    public bool IsEmpty()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM local_accounts") == 0;
    }
}
