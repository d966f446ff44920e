using System.Data;
using System.Net.Mail;
using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Requests;

public sealed record MailRecipient(string Address, string? Name);

/// <summary>A user as e-mails name them: their display name, and their address when one is known.</summary>
public sealed record Contact(string UserName, string DisplayName, MailRecipient? Mail);

/// <summary>
/// Who gets which e-mail. A user's address is the one recorded at their latest login (LDAP mail, or the
/// local account's email), else the local account's: a user who never logged in owns no VM and asked nothing.
/// Teachers are Requests:NotifyAddresses plus, with LDAP, the members of Ldap:TeacherGroups.
/// </summary>
public sealed class MailRecipients(
    IOptions<RequestsOptions> requests, IOptions<LdapOptions> ldap, IServiceProvider services, ILogger<MailRecipients> logger)
{
    public static Contact ContactOf(IDbConnection connection, IDbTransaction? transaction, string userName)
    {
        var row = connection.QueryFirstOrDefault<(string? DisplayName, string? Email)>(
            """
            SELECT COALESCE(c.display_name, a.display_name), COALESCE(c.email, a.email)
            FROM (SELECT @userName AS user_name) AS u
            LEFT JOIN user_contacts AS c ON c.user_name = u.user_name
            LEFT JOIN local_accounts AS a ON a.user_name = u.user_name
            """, new { userName }, transaction);
        var name = row.DisplayName ?? userName;
        return new Contact(userName, name, Parse(row.Email, name));
    }

    /// <summary>
    /// Asks the directory (outside any transaction: it is a network call). A directory that does not answer
    /// must not lose the request: the configured addresses still get it, and the log says who did not.
    /// </summary>
    public IReadOnlyList<MailRecipient> Teachers()
    {
        var recipients = requests.Value.NotifyAddresses.Select(address => Parse(address, null)).OfType<MailRecipient>().ToList();
        if (ldap.Value.Enabled && requests.Value.NotifyLdapTeachers)
        {
            try
            {
                recipients.AddRange(services.GetRequiredService<LdapDirectory>().MailsOfGroups(ldap.Value.EffectiveTeacherGroups)
                    .Select(address => Parse(address, null)).OfType<MailRecipient>());
            }
            catch (DirectoryUnavailableException ex)
            {
                logger.LogWarning("Teachers in LDAP not told of a request, the directory is unavailable: {Problem}", ex.Message);
            }
        }
        return recipients.DistinctBy(recipient => recipient.Address, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static MailRecipient? Parse(string? address, string? name) =>
        !string.IsNullOrWhiteSpace(address) && MailAddress.TryCreate(address.Trim(), out var parsed)
            ? new MailRecipient(parsed.Address, name)
            : null;
}
