using System.Data;
using System.Net.Mail;
using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Requests;

public sealed record MailRecipient(string Address, string? Name);

/// <summary>A user as e-mails name them: their display name, and their address when one is known.</summary>
public sealed record Contact(string UserName, string DisplayName, MailRecipient? Mail);

/// <summary>
/// Who gets which e-mail. A user's address is the one recorded at their latest login (LDAP mail, or the
/// local account's email), else the local account's: a user who never logged in owns no VM and asked nothing.
/// A request goes to the teachers of the requester's classes (Classes), see <see cref="TeachersOf"/>.
/// </summary>
public sealed class MailRecipients(
    Database database, IOptions<RequestsOptions> requests, IOptions<LdapOptions> ldap, IServiceProvider services, ILogger<MailRecipients> logger)
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
    /// Who is told of <paramref name="requester"/>'s new request: Requests:NotifyAddresses, and the teachers of the
    /// requester's classes or, for someone in no class, Requests:NoClassRecipients. Read before the request's
    /// write transaction: "admins" may ask the directory. A directory that does not answer must not lose the
    /// request: the other recipients still get it, and the log says who did not.
    /// </summary>
    public IReadOnlyList<MailRecipient> TeachersOf(string requester)
    {
        var recipients = requests.Value.NotifyAddresses.Select(address => Parse(address, null)).OfType<MailRecipient>().ToList();
        using var connection = database.Open();
        var teachers = ClassStore.TeachersOf(connection, null, requester);
        if (teachers.Count > 0)
        {
            recipients.AddRange(teachers.Select(teacher => Parse(teacher.Email, teacher.DisplayName)).OfType<MailRecipient>());
        }
        else
        {
            foreach (var entry in requests.Value.EffectiveNoClassRecipients)
            {
                recipients.AddRange(entry == RequestsOptions.Admins ? Admins(connection) : [Parse(entry, null)!]);
            }
        }
        return recipients.DistinctBy(recipient => recipient.Address, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private List<MailRecipient> Admins(IDbConnection connection)
    {
        var admins = connection.Query<(string DisplayName, string? Email)>("SELECT display_name, email FROM local_accounts WHERE role = 'admin'")
            .Select(admin => Parse(admin.Email, admin.DisplayName)).OfType<MailRecipient>().ToList();
        if (ldap.Value.Enabled)
        {
            try
            {
                admins.AddRange(services.GetRequiredService<LdapDirectory>().MailsOfGroups(ldap.Value.EffectiveAdminGroups)
                    .Select(address => Parse(address, null)).OfType<MailRecipient>());
            }
            catch (DirectoryUnavailableException ex)
            {
                logger.LogWarning("Admins in LDAP not told of a request from someone in no class, the directory is unavailable: {Problem}", ex.Message);
            }
        }
        return admins;
    }

    private static MailRecipient? Parse(string? address, string? name) =>
        !string.IsNullOrWhiteSpace(address) && MailAddress.TryCreate(address.Trim(), out var parsed)
            ? new MailRecipient(parsed.Address, name)
            : null;
}
