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

    public AuthenticatedUser? Authenticate(string userName, string password)
    {
        if (string.IsNullOrEmpty(password) || string.IsNullOrWhiteSpace(userName)
            || userName.Length > MaxUserNameLength || password.Length > MaxPasswordLength)
        {
            return null;
        }
        var local = localAccounts.Verify(userName, password);
        if (local is not null || !ldapOptions.Value.Enabled || localAccounts.Exists(userName))
        {
            return local;
        }
        return services.GetRequiredService<LdapDirectory>().Authenticate(userName, password);
    }
}
