namespace VmManager.Perf.Storm;

/// <summary>What one storm (or one baseline pass) measured.</summary>
public sealed record StormRun(
    string Label,
    int Students,
    int? Concurrency,
    IReadOnlyList<double> LoginMs,
    IReadOnlyList<double> CreateMs,
    IReadOnlyList<double> RunningAfterSeconds,
    IReadOnlyList<double> QueueWaitSeconds,
    IReadOnlyList<double> OperationSeconds,
    int Failures,
    string FailureText,
    double DeleteAllSeconds,
    int LeftOver,
    bool StartedInRequestOrder,
    string Cpu)
{
    public double AllRunningSeconds => RunningAfterSeconds.Count == 0 ? double.NaN : RunningAfterSeconds.Max();
}
