namespace VmManager.Daemon.Accounts;

/// <summary>
/// Raised after sessions were revoked (logout, or an admin logging a user out everywhere) so that what
/// outlives a request, such as an open console, can be closed. Handlers run on the revoking request's thread.
/// </summary>
public sealed class SessionRevocations(ILogger<SessionRevocations> logger)
{
    /// <summary>The argument is the user name whose session(s) ended.</summary>
    public event Action<string>? Revoked;

    internal void Raise(string userName)
    {
        foreach (var handler in Revoked?.GetInvocationList().Cast<Action<string>>() ?? [])
        {
            try
            {
                handler(userName);
            }
            catch (Exception ex)
            {
                // One failing listener must not undo the logout nor starve the others.
                logger.LogError(ex, "A session revocation handler failed for {UserName}", userName);
            }
        }
    }
}
