namespace VmManager.Daemon.Machines;

public sealed record CreateMachineRequest(string? Name, string? TemplateId, int? Cpus, int? MemoryMiB, int? DiskGiB, int? LifetimeHours);

public sealed record ExtendLeaseRequest(int? LifetimeHours);

public sealed record JobView(long Id, string MachineId, string Kind, string State, string RequestedBy, int Attempt, DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Step, string? Error)
{
    public static JobView From(Job job) => new(job.Id, job.MachineId, job.Kind, job.State, job.RequestedBy, job.Attempt, job.CreatedAt,
        job.StartedAt, job.FinishedAt, job.Step, job.Error);
}

public sealed record MachineView(
    string Id,
    string Name,
    string Owner,
    string TemplateId,
    int Cpus,
    int MemoryMiB,
    int DiskGiB,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? LastError,
    JobView? Job,
    double? CpuSeconds,
    long? MemoryKiB,
    bool ConsoleAvailable);

public sealed record Accepted(MachineView Machine, JobView Job);

public sealed record Credentials(string UserName, string Password);

public sealed record TemplateView(string Id, string LabelFr, string LabelEn, string DescriptionFr, string DescriptionEn, string Os,
    ResourceRange Cpus, ResourceRange MemoryMiB, ResourceRange DiskGiB, int[] LifetimeHours);
