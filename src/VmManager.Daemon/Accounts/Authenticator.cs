using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>
/// Local accounts first (the demo, break-glass admins, installs without LDAP), then the directory
/// when it is enabled. Both return null for any bad credential so callers cannot tell why.
/// </summary>
public sealed class Authenticator(LocalAccountStore localAccounts, IOptions<LdapOptions> ldapOptions, IServiceProvider services)
{
    public const int MaxUserNameLength = 256;
    public const int MaxPasswordLength = 1024;

    public async Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password)
    {
        if (string.IsNullOrEmpty(password) || string.IsNullOrWhiteSpace(userName)
            || userName.Length > MaxUserNameLength || password.Length > MaxPasswordLength)
        {
            return null;
        }
        // A name that is no local account goes straight to the directory, whose bind costs the same for unknown
        // users: hashing a dummy password first only spent CPU (50 logins at 8:00 queued every request behind it).
        if (ldapOptions.Value.Enabled && !localAccounts.Exists(userName))
        {
            return await services.GetRequiredService<LdapDirectory>().AuthenticateAsync(userName, password);
        }
        return localAccounts.Verify(userName, password);
    }
}
