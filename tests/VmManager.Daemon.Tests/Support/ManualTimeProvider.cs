namespace VmManager.Daemon.Tests.Support;

/// <summary>A clock that only moves when a test says so; timers still run on real time.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset _now = start;

    public ManualTimeProvider()
        : this(System.GetUtcNow())
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) { return _now; }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock) { _now += by; }
    }
}
