using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>
/// Slows password guessing without letting anyone lock an account out. Failures count per account *and*
/// client address (one guesser at one account) and per address (one guesser at many accounts); the owner
/// typing the right password from another address is never refused. Each time a counter reaches its limit
/// it waits, twice as long as the time before: the window, 2×, 4×… up to Accounts:MaxFailedLoginDelaySeconds.
/// Only failures count (a classroom behind one NAT address logging in at 8:00). Attempts still being checked
/// for an account and address count too, so parallel guesses cannot all pass before the first failure is
/// recorded; no lock is held while the password is checked.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly FailureCounter _pairs;
    private readonly FailureCounter _addresses;
    private readonly PartitionedRateLimiter<string> _notices;

    public LoginThrottle(IOptions<AccountsOptions> options, TimeProvider time)
    {
        var accounts = options.Value;
        var window = TimeSpan.FromSeconds(accounts.FailedLoginWindowSeconds);
        var maxDelay = TimeSpan.FromSeconds(Math.Max(accounts.MaxFailedLoginDelaySeconds, accounts.FailedLoginWindowSeconds));
        _pairs = new FailureCounter(accounts.MaxFailedLoginsPerAccount, window, maxDelay, time, countAttemptsInProgress: true);
        _addresses = new FailureCounter(accounts.MaxFailedLoginsPerAddress, window, maxDelay, time, countAttemptsInProgress: false);
        _notices = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = 1,
            Window = window,
            SegmentsPerWindow = 6,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>The per-account partition key: case, spacing and Unicode form do not make a new account.</summary>
    public static string AccountKey(string userName) => userName.Trim().Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    /// <summary>
    /// The per-address key: an IPv6 client usually holds a whole /64, so its addresses count as one.
    /// </summary>
    public static string AddressKey(string clientAddress)
    {
        if (!IPAddress.TryParse(clientAddress, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6 || address.IsIPv4MappedToIPv6)
        {
            return clientAddress;
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    /// <summary>Starts a login attempt: refused when <see cref="LoginAttempt.RetryAfter"/> is set; otherwise report its outcome.</summary>
    public LoginAttempt Begin(string accountKey, string clientAddress)
    {
        var address = AddressKey(clientAddress);
        var pair = $"{accountKey}\n{address}";
        if (_addresses.TryEnter(address) is { } addressWait)
        {
            return new LoginAttempt(this, pair, address, addressWait);
        }
        return new LoginAttempt(this, pair, address, _pairs.TryEnter(pair));
    }

    /// <summary>
    /// Whether this refusal should be logged and audited: the first per account and address in each window,
    /// so a flood of refused attempts cannot flood the journal and the database too.
    /// </summary>
    public bool ShouldReport(string accountKey, string clientAddress)
    {
        using var lease = _notices.AttemptAcquire($"{accountKey}\n{AddressKey(clientAddress)}");
        return lease.IsAcquired;
    }

    public void Dispose() => _notices.Dispose();

    /// <summary>One login attempt; disposing it without an outcome (the directory was unreachable) counts nothing.</summary>
    public sealed class LoginAttempt : IDisposable
    {
        private readonly LoginThrottle _throttle;
        private readonly string _pair;
        private readonly string _address;
        private bool _ended;

        internal LoginAttempt(LoginThrottle throttle, string pair, string address, TimeSpan? retryAfter)
        {
            (_throttle, _pair, _address, RetryAfter) = (throttle, pair, address, retryAfter);
            _ended = retryAfter is not null;
        }

        /// <summary>Set when the attempt is refused: how long to wait.</summary>
        public TimeSpan? RetryAfter { get; }

        public void Failed()
        {
            if (End())
            {
                _throttle._pairs.RecordFailure(_pair);
                _throttle._addresses.RecordFailure(_address);
            }
        }

        /// <summary>The right password: this account and address start afresh (the address keeps its count: it may be a guesser's own account).</summary>
        public void Succeeded()
        {
            if (End())
            {
                _throttle._pairs.Reset(_pair);
            }
        }

        public void Dispose()
        {
            if (End())
            {
                _throttle._pairs.Leave(_pair);
            }
        }

        private bool End()
        {
            var ended = _ended;
            _ended = true;
            return !ended;
        }
    }
}
