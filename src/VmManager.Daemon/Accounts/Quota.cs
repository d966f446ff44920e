using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace VmManager.Daemon.Accounts;

/// <summary>Limits on what one user's VMs may hold at a time.</summary>
public sealed record Quota(int MaxVms, int MaxCpus, int MaxMemoryMiB, int MaxDiskGiB, int MaxRunningVms)
{
    /// <summary>Far above any host; keeps sums in int range.</summary>
    public const int MaxLimit = 1_000_000;

    /// <summary>For validation messages; not part of the API (tuples serialize as empty objects).</summary>
    [JsonIgnore]
    public IEnumerable<(string Field, int Value)> Fields =>
    [
        (nameof(MaxVms), MaxVms), (nameof(MaxCpus), MaxCpus), (nameof(MaxMemoryMiB), MaxMemoryMiB),
        (nameof(MaxDiskGiB), MaxDiskGiB), (nameof(MaxRunningVms), MaxRunningVms),
    ];

    /// <summary>What is left once <paramref name="usage"/> is taken (never negative, even after a quota was lowered).</summary>
    public Quota Remaining(Usage usage) => new(
        Math.Max(0, MaxVms - usage.Vms), Math.Max(0, MaxCpus - usage.Cpus), Math.Max(0, MaxMemoryMiB - usage.MemoryMiB),
        Math.Max(0, MaxDiskGiB - usage.DiskGiB), Math.Max(0, MaxRunningVms - usage.RunningVms));
}

/// <summary>What a user's live VMs hold now (deleted and vanished ones excluded).</summary>
public sealed record Usage(int Vms, int Cpus, int MemoryMiB, int DiskGiB, int RunningVms);

/// <summary>
/// What an action adds: creating a stopped VM is (1, cpus, memory, disk, 0); starting one is (0, 0, 0, 0, 1).
/// Only fields with a positive demand are checked, so a lowered quota never blocks stopping or deleting.
/// </summary>
public sealed record ResourceDemand(int Vms, int Cpus, int MemoryMiB, int DiskGiB, int RunningVms);

/// <summary>An admin's or an approved request's change to a user's quota; null fields keep what applies otherwise.</summary>
public sealed record QuotaOverride(
    string Source, int? MaxVms, int? MaxCpus, int? MaxMemoryMiB, int? MaxDiskGiB, int? MaxRunningVms,
    DateTimeOffset? ExpiresAt, DateTimeOffset SetAt, string SetBy, string? Reason);

/// <summary>Thrown inside the caller's transaction; <see cref="Field"/> is the quota's JSON name (e.g. maxVms).</summary>
public sealed class QuotaExceededException(string field, int limit, int wouldUse)
    : Exception($"quota {field} is {limit}; this would use {wouldUse}")
{
    public string Field { get; } = field;

    public int Limit { get; } = limit;

    public int WouldUse { get; } = wouldUse;

    /// <summary>The problem every endpoint answers with: 409, naming the limit so the UI can say which one.</summary>
    public ProblemHttpResult ToProblem() => TypedResults.Problem(
        title: "Quota exceeded", detail: $"Your {Field} quota is {Limit}; this would use {WouldUse}.",
        statusCode: StatusCodes.Status409Conflict, type: "quota-exceeded",
        extensions: new Dictionary<string, object?> { ["field"] = Field, ["limit"] = Limit, ["wouldUse"] = WouldUse });
}
