namespace VmManager.Daemon.Accounts;

/// <summary>
/// Failed logins per key within a sliding window. Reaching the limit blocks the key for the window, then for
/// twice as long at each new block, up to <c>maxDelay</c>; a key forgets its blocks after <c>maxDelay</c>
/// without a failure. With <c>countAttemptsInProgress</c>, attempts entered and not yet ended count as failures.
/// The lock guards only this memory: nobody holds it while a password is checked.
/// </summary>
internal sealed class FailureCounter(int limit, TimeSpan window, TimeSpan maxDelay, TimeProvider time, bool countAttemptsInProgress)
{
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset _nextSweep;

    /// <summary>Null when an attempt may go ahead; otherwise how long to wait.</summary>
    public TimeSpan? TryEnter(string key)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            Sweep(now);
            if (!_states.TryGetValue(key, out var state))
            {
                state = new State();
                _states[key] = state;
            }
            if (state.BlockedUntil > now)
            {
                return state.BlockedUntil - now;
            }
            state.ForgetBefore(now - window);
            if (state.Failures.Count + state.InProgress >= limit)
            {
                // Only attempts still in progress can fill it: at most one window until they are counted.
                return window;
            }
            if (countAttemptsInProgress)
            {
                state.Enter();
            }
            return null;
        }
    }

    public void RecordFailure(string key)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_states.TryGetValue(key, out var state))
            {
                state = new State();
                _states[key] = state;
            }
            state.Leave(countAttemptsInProgress);
            state.ForgetBefore(now - window);
            state.Failures.Enqueue(now);
            state.LastFailure = now;
            if (state.Failures.Count >= limit)
            {
                var delay = state.Blocks >= 20 ? maxDelay : TimeSpan.FromTicks(Math.Min(window.Ticks << state.Blocks, maxDelay.Ticks));
                state.BlockedUntil = now + delay;
                state.Blocks++;
                state.Failures.Clear();
            }
        }
    }

    /// <summary>The attempt ended without an outcome to count.</summary>
    public void Leave(string key)
    {
        lock (_lock)
        {
            if (_states.TryGetValue(key, out var state))
            {
                state.Leave(countAttemptsInProgress);
            }
        }
    }

    /// <summary>The right password: the key's failures and blocks are forgotten.</summary>
    public void Reset(string key)
    {
        lock (_lock)
        {
            if (_states.TryGetValue(key, out var state))
            {
                state.Leave(countAttemptsInProgress);
                state.Failures.Clear();
                state.Blocks = 0;
                state.BlockedUntil = default;
            }
        }
    }

    /// <summary>Keys nobody failed with for <c>maxDelay</c> are dropped, so guessed names cannot fill the memory.</summary>
    private void Sweep(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }
        _nextSweep = now + window;
        foreach (var (key, state) in _states)
        {
            if (state.InProgress == 0 && state.BlockedUntil <= now && now - state.LastFailure >= maxDelay)
            {
                _states.Remove(key);
            }
        }
    }

    private sealed class State
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public int InProgress { get; private set; }

        public int Blocks { get; set; }

        public DateTimeOffset BlockedUntil { get; set; }

        public DateTimeOffset LastFailure { get; set; } = DateTimeOffset.MinValue;

        public void Enter() => InProgress++;

        public void Leave(bool counted)
        {
            if (counted && InProgress > 0)
            {
                InProgress--;
            }
        }

        public void ForgetBefore(DateTimeOffset cutoff)
        {
            while (Failures.TryPeek(out var oldest) && oldest <= cutoff)
            {
                Failures.Dequeue();
            }
        }
    }
}
