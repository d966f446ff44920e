namespace VmManager.Daemon.Requests;

/// <summary>What can be asked for; the names are the API's and resource_requests.kind's.</summary>
public static class RequestKinds
{
    /// <summary>More VMs: raises both the number of VMs and of running VMs (a new VM boots at once).</summary>
    public const string Vms = "vms";
    public const string Cpus = "cpus";
    public const string MemoryMiB = "memoryMiB";
    public const string DiskGiB = "diskGiB";

    /// <summary>More hours for one of the requester's VMs, added to its current expiry.</summary>
    public const string LifetimeHours = "lifetimeHours";

    /// <summary>
    /// A template outside the catalogue. Templates cannot be restricted per user, so approving it changes
    /// nothing by itself: it records the answer, and an admin adds the template by hand.
    /// </summary>
    public const string Template = "template";

    public static readonly IReadOnlyList<string> All = [Vms, Cpus, MemoryMiB, DiskGiB, LifetimeHours, Template];

    public static readonly IReadOnlyList<string> WithAmount = [Vms, Cpus, MemoryMiB, DiskGiB, LifetimeHours];

    public static bool IsQuota(string kind) => kind is Vms or Cpus or MemoryMiB or DiskGiB;
}

public static class RequestStatuses
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Refused = "refused";

    /// <summary>Still pending when its end date came.</summary>
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All = [Pending, Approved, Refused, Expired];
}

public sealed class ResourceRequest
{
    public long Id { get; init; }

    public string Requester { get; init; } = "";

    public string RequesterRole { get; init; } = "";

    public string Kind { get; init; } = "";

    public int? Amount { get; init; }

    public string? MachineId { get; init; }

    public string? Template { get; init; }

    public DateTimeOffset Until { get; init; }

    public string Reason { get; init; } = "";

    public string Status { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? DecidedBy { get; init; }

    public string? Comment { get; init; }

    /// <summary>The name of <see cref="MachineId"/>'s VM, read with the request.</summary>
    public string? VmName { get; init; }

    public ResourceRequestView ToView() => new(Id, Requester, Kind, Amount, MachineId, VmName, Template, Until, Reason, Status,
        CreatedAt, DecidedAt, DecidedBy, Comment);
}

/// <summary>The body of POST /api/requests. <see cref="Until"/> is text so a malformed date is named in the 400.</summary>
public sealed record CreateRequestBody(string? Kind, long? Amount, string? Until, string? Reason, string? VmId, string? Template);

public sealed record DecisionBody(string? Comment);

/// <summary>A request as the API shows it; <see cref="VmName"/> is filled for lifetime requests.</summary>
public sealed record ResourceRequestView(
    long Id, string Requester, string Kind, int? Amount, string? VmId, string? VmName, string? Template, DateTimeOffset Until,
    string Reason, string Status, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt, string? DecidedBy, string? Comment);
