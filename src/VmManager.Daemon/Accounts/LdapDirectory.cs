using System.DirectoryServices.Protocols;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>Search-then-bind against the school directory, with roles from group membership.</summary>
public sealed class LdapDirectory
{
    // OpenLDAP codes: 49 invalid credentials; 81 server down, 85 timeout, 91 connect error.
    private const int InvalidCredentials = 49;
    private const int ConnectError = 91;
    private const int StartTlsAttempts = 5;
    private static readonly Lock CaLock = new();
    private static string? _trustedCa;
    private readonly LdapOptions _options;
    private readonly SemaphoreSlim _slots;

    public LdapDirectory(IOptions<LdapOptions> options)
    {
        _options = options.Value;
        _slots = new SemaphoreSlim(_options.MaxConcurrentOperations);
        // Setting libldap's defaults initializes it, and it reads LDAPTLS_CACERT only then: nothing of it without a directory.
        if (_options.Enabled)
        {
            TrustCa(_options.CaCertificatePath);
            LibLdap.SetTimeouts(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds), TimeSpan.FromSeconds(_options.OperationTimeoutSeconds));
        }
    }

    /// <summary>A directory user logged in: memberships are read again (Classes).</summary>
    public event Action<string>? UserAuthenticated;

    /// <summary>Returns the user, or null for a wrong password or unknown user (callers must not tell them apart).</summary>
    public async Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password)
    {
        if (string.IsNullOrEmpty(password) || string.IsNullOrWhiteSpace(userName))
        {
            // An empty password would be an anonymous bind, which succeeds: refuse before asking.
            return null;
        }
        return await RunAsync(() =>
        {
            using var service = OpenBound(_options.BindDn!, _options.BindPassword!);
            var entry = FindUser(service, userName);
            // Unknown users still cost one bind, so the answer's timing does not reveal who exists.
            var userDn = entry?.DistinguishedName ?? $"{_options.UserNameAttribute}=vmm-unknown-user,{_options.UserBaseDn}";
            if (!TryBind(userDn, password) || entry is null)
            {
                return null;
            }
            var uid = Attribute(entry, _options.UserNameAttribute) ?? userName;
            var groups = GroupsOf(service, entry.DistinguishedName, uid);
            UserAuthenticated?.Invoke(uid);
            return new AuthenticatedUser(uid, Attribute(entry, _options.DisplayNameAttribute) ?? uid,
                Attribute(entry, _options.MailAttribute), RoleFrom(groups), groups);
        }).ConfigureAwait(false);
    }

    /// <summary>Binds with the service account: what the readiness probe asks.</summary>
    public Task CheckServiceBindAsync() => RunAsync(() =>
    {
        using var connection = OpenBound(_options.BindDn!, _options.BindPassword!);
        return true;
    });

    /// <summary>Runs <paramref name="read"/> on a service-account connection, with the same deadline and errors as a login.</summary>
    public T Read<T>(Func<LdapConnection, T> read) => RunAsync(() =>
    {
        using var service = OpenBound(_options.BindDn!, _options.BindPassword!);
        return read(service);
    }).GetAwaiter().GetResult(); // asked by the class refresher, off any request

    /// <summary>
    /// The e-mail addresses of members of the given groups (for notifying teachers): groupOfNames members are
    /// read by their DN (a base search works on every directory; OpenLDAP's entryDN filter does not exist in
    /// Active Directory), posixGroup memberUid values are looked up under UserBaseDn.
    /// </summary>
    public IReadOnlyList<string> MailsOfGroups(IEnumerable<string> groupNames) => RunAsync(() =>
    {
        using var service = OpenBound(_options.BindDn!, _options.BindPassword!);
        var mails = new List<string>();
        foreach (var group in groupNames)
        {
            var groupFilter = $"(cn={LdapFilter.Escape(group)})";
            var groups = (SearchResponse)service.SendRequest(new SearchRequest(_options.GroupBaseDn, groupFilter, SearchScope.Subtree, "member", "memberUid"));
            foreach (SearchResultEntry entry in groups.Entries)
            {
                foreach (var memberDn in Values(entry, "member"))
                {
                    mails.AddRange(MailsOf(service, new SearchRequest(memberDn, "(objectClass=*)", SearchScope.Base, _options.MailAttribute)));
                }
                foreach (var uid in Values(entry, "memberUid"))
                {
                    var filter = $"({_options.UserNameAttribute}={LdapFilter.Escape(uid)})";
                    mails.AddRange(MailsOf(service, new SearchRequest(_options.UserBaseDn, filter, SearchScope.Subtree, _options.MailAttribute)));
                }
            }
        }
        return (IReadOnlyList<string>)mails.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }).GetAwaiter().GetResult(); // asked by the mail worker, off any request

    /// <summary>A member whose entry was deleted (no referential integrity in the directory) is skipped, not an error.</summary>
    private List<string> MailsOf(LdapConnection service, SearchRequest request)
    {
        try
        {
            var response = (SearchResponse)service.SendRequest(request);
            return response.Entries.Cast<SearchResultEntry>().Select(user => Attribute(user, _options.MailAttribute)).OfType<string>().ToList();
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            return [];
        }
    }

    private SearchResultEntry? FindUser(LdapConnection service, string userName)
    {
        var filter = _options.UserFilter.Replace("{0}", LdapFilter.Escape(userName), StringComparison.Ordinal);
        var request = new SearchRequest(_options.UserBaseDn, filter, SearchScope.Subtree,
            _options.UserNameAttribute, _options.DisplayNameAttribute, _options.MailAttribute) { SizeLimit = 2 };
        try
        {
            var response = (SearchResponse)service.SendRequest(request);
            return response.Entries.Count == 1 ? response.Entries[0] : null;
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.SizeLimitExceeded)
        {
            return null; // more than one match is never a login
        }
    }

    private List<string> GroupsOf(LdapConnection service, string userDn, string uid)
    {
        var filter = _options.GroupFilter
            .Replace("{dn}", LdapFilter.Escape(userDn), StringComparison.Ordinal)
            .Replace("{uid}", LdapFilter.Escape(uid), StringComparison.Ordinal);
        var response = (SearchResponse)service.SendRequest(new SearchRequest(_options.GroupBaseDn, filter, SearchScope.Subtree, "cn"));
        return response.Entries.Cast<SearchResultEntry>().Select(entry => Attribute(entry, "cn")).OfType<string>().ToList();
    }

    private Role RoleFrom(IReadOnlyCollection<string> groups)
    {
        bool In(IReadOnlyList<string> roleGroups) => groups.Any(group => roleGroups.Contains(group, StringComparer.OrdinalIgnoreCase));
        return In(_options.EffectiveAdminGroups) ? Role.Admin : In(_options.EffectiveTeacherGroups) ? Role.Teacher : Role.Student;
    }

    private bool TryBind(string dn, string password)
    {
        try
        {
            using var connection = OpenBound(dn, password);
            return true;
        }
        catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
        {
            return false;
        }
    }

    private LdapConnection OpenBound(string dn, string password)
    {
        var connection = new LdapConnection(new LdapDirectoryIdentifier(_options.Host, _options.EffectivePort), null, AuthType.Basic)
        {
            Timeout = TimeSpan.FromSeconds(_options.OperationTimeoutSeconds),
        };
        try
        {
            var session = connection.SessionOptions;
            session.ProtocolVersion = 3; // the library's default of 2 is refused by slapd
            session.ReferralChasing = ReferralChasingOptions.None;
            if (_options.Security == LdapSecurity.Ldaps)
            {
                session.SecureSocketLayer = true;
            }
            else if (_options.Security == LdapSecurity.StartTls)
            {
                // On Linux the connection opens lazily; StartTLS needs it open, so read the root DSE first.
                connection.SendRequest(new SearchRequest("", "(objectClass=*)", SearchScope.Base, "1.1"));
                StartTls(session);
            }
            connection.Bind(new NetworkCredential(dn, password));
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// slapd answers a search before it stops counting it as outstanding, and refuses StartTLS while anything
    /// is ("cannot start TLS when operations are outstanding", operationsError): about one connection in ten
    /// on the rig. The refused request leaves the connection as it was, so asking again shortly is safe.
    /// </summary>
    private static void StartTls(LdapSessionOptions session)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                session.StartTransportLayerSecurity(null);
                return;
            }
            catch (TlsOperationException ex) when (ex.Response?.ResultCode == ResultCode.OperationsError && attempt < StartTlsAttempts)
            {
                Thread.Sleep(attempt * 5);
            }
        }
    }

    /// <summary>
    /// libldap blocks its thread in native code, so each call runs on a thread of its own (never one of the
    /// pool's, which serve every request) and gets an overall deadline: a directory that does not answer is
    /// reported as unreachable instead of hanging the login. libldap's own timeouts (<see cref="LibLdap"/>) end
    /// the call soon after; until it ends it keeps its slot, so a stalled directory holds at most
    /// Ldap:MaxConcurrentOperations threads and further calls are refused at once.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<T> action)
    {
        var deadline = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds + _options.OperationTimeoutSeconds);
        if (!_slots.Wait(0))
        {
            throw new DirectoryBusyException($"{_options.MaxConcurrentOperations} calls to the directory at {_options.Host}:{_options.EffectivePort} are still waiting for it", deadline);
        }
        var call = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _ = call.ContinueWith(ended =>
        {
            _slots.Release();
            _ = ended.Exception; // observed: a call abandoned at its deadline may still fail later
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            return await call.WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new DirectoryUnavailableException($"the directory at {_options.Host}:{_options.EffectivePort} did not answer within {deadline.TotalSeconds:0} s", ex);
        }
        catch (LdapException ex) when (ex.ErrorCode != InvalidCredentials)
        {
            // A certificate the CA file does not vouch for surfaces as a plain connect error: say where to look.
            var hint = ex.ErrorCode == ConnectError && _options.Security != LdapSecurity.None
                ? "; if it is listening, check that Ldap:CaCertificatePath holds the CA that signed its certificate" : "";
            throw new DirectoryUnavailableException($"the directory at {_options.Host}:{_options.EffectivePort} is unreachable ({ex.Message}){hint}", ex);
        }
        catch (LdapException ex)
        {
            throw new DirectoryUnavailableException($"the directory refused the service account ({ex.Message})", ex);
        }
        catch (DirectoryOperationException ex)
        {
            throw new DirectoryUnavailableException($"the directory failed a search ({ex.Message})", ex);
        }
    }

    private static string? Attribute(SearchResultEntry entry, string name) => Values(entry, name).FirstOrDefault();

    private static IEnumerable<string> Values(SearchResultEntry entry, string name) =>
        entry.Attributes.Contains(name) ? entry.Attributes[name].GetValues(typeof(string)).Cast<string>() : [];

    /// <summary>
    /// libldap reads LDAPTLS_CACERT from the native environment once, at its first use; .NET's
    /// Environment.SetEnvironmentVariable does not reach that environment, so call setenv(3).
    /// </summary>
    private static void TrustCa(string? caFile)
    {
        if (string.IsNullOrEmpty(caFile))
        {
            return;
        }
        lock (CaLock)
        {
            if (_trustedCa is not null && _trustedCa != caFile)
            {
                throw new InvalidOperationException("Ldap:CaCertificatePath cannot change while the process runs");
            }
            _trustedCa = caFile;
            _ = SetEnv("LDAPTLS_CACERT", Path.GetFullPath(caFile), 1);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
