namespace VmManager.Daemon.Accounts;

/// <summary>Ordered: a higher role can do everything a lower one can see.</summary>
public enum Role
{
    Student = 0,
    Teacher = 1,
    Admin = 2,
}

public sealed record AuthenticatedUser(string UserName, string DisplayName, string? Email, Role Role, IReadOnlyList<string> Groups);

/// <summary>The directory could not be asked at all: the login page says so instead of "wrong password".</summary>
public class DirectoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Too many calls are already waiting for the directory: refused at once rather than queued behind them.</summary>
public sealed class DirectoryBusyException(string message, TimeSpan retryAfter) : DirectoryUnavailableException(message)
{
    /// <summary>By then every call now waiting has reached its deadline.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
