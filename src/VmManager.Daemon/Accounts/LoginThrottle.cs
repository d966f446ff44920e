using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>
/// Slows password guessing with the framework's sliding-window limiters, one partition per account and one
/// per client address. Only failures spend a permit: ASP.NET Core's rate-limiting middleware takes its
/// permit before the endpoint runs, so it would count successful logins too (a classroom behind one NAT
/// address logging in at 8:00). Here a login first asks for zero permits (is anything left?), then spends
/// one on each limiter only when the password was wrong.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private const int SegmentsPerWindow = 6;
    private readonly PartitionedRateLimiter<string> _accounts;
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _notices;
    // Attempts for one account run one at a time (striped by name), so a burst of parallel guesses cannot
    // all pass the check before the first failure is counted.
    private readonly SemaphoreSlim[] _gates = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly TimeSpan _window;

    public LoginThrottle(IOptions<AccountsOptions> options)
    {
        var accounts = options.Value;
        _window = TimeSpan.FromSeconds(accounts.FailedLoginWindowSeconds);
        _accounts = SlidingWindow(accounts.MaxFailedLoginsPerAccount);
        _addresses = SlidingWindow(accounts.MaxFailedLoginsPerAddress);
        _notices = SlidingWindow(1);
    }

    /// <summary>The per-account partition key: case, spacing and Unicode form do not make a new account.</summary>
    public static string AccountKey(string userName) => userName.Trim().Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    /// <summary>Hold the returned value while checking, authenticating and recording the outcome.</summary>
    public async Task<IDisposable> EnterAsync(string accountKey, CancellationToken cancellationToken)
    {
        var gate = _gates[(uint)accountKey.GetHashCode() % (uint)_gates.Length];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(gate);
    }

    /// <summary>Null when the attempt may proceed; otherwise how long to wait.</summary>
    public TimeSpan? RetryAfter(string accountKey, string clientAddress)
    {
        using var account = _accounts.AttemptAcquire(accountKey, permitCount: 0);
        using var address = _addresses.AttemptAcquire(clientAddress, permitCount: 0);
        // Sliding-window leases carry no retry time; a full window is the honest upper bound.
        return account.IsAcquired && address.IsAcquired ? null : _window;
    }

    public void RecordFailure(string accountKey, string clientAddress)
    {
        _accounts.AttemptAcquire(accountKey).Dispose();
        _addresses.AttemptAcquire(clientAddress).Dispose();
    }

    /// <summary>
    /// Whether this refusal should be logged and audited: the first per account and address in each window,
    /// so a flood of refused attempts cannot flood the journal and the database too.
    /// </summary>
    public bool ShouldReport(string accountKey, string clientAddress)
    {
        using var lease = _notices.AttemptAcquire($"{accountKey}\n{clientAddress}");
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _accounts.Dispose();
        _addresses.Dispose();
        _notices.Dispose();
        foreach (var gate in _gates)
        {
            gate.Dispose();
        }
    }

    private PartitionedRateLimiter<string> SlidingWindow(int permits) => PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = _window,
            SegmentsPerWindow = SegmentsPerWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
