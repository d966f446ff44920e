using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>What each role may use by default; admins raise it per user with overrides.</summary>
public sealed class QuotaOptions
{
    public const string Section = "Quotas";

    public QuotaLimits Student { get; set; } = new() { MaxVms = 2, MaxCpus = 4, MaxMemoryMiB = 4096, MaxDiskGiB = 40, MaxRunningVms = 2 };

    public QuotaLimits Teacher { get; set; } = new() { MaxVms = 5, MaxCpus = 10, MaxMemoryMiB = 16384, MaxDiskGiB = 200, MaxRunningVms = 5 };

    public QuotaLimits Admin { get; set; } = new() { MaxVms = 20, MaxCpus = 40, MaxMemoryMiB = 65536, MaxDiskGiB = 1000, MaxRunningVms = 20 };

    public QuotaLimits For(Role role) => role switch
    {
        Role.Admin => Admin,
        Role.Teacher => Teacher,
        _ => Student,
    };
}

public sealed class QuotaLimits
{
    public int MaxVms { get; set; }

    public int MaxCpus { get; set; }

    public int MaxMemoryMiB { get; set; }

    public int MaxDiskGiB { get; set; }

    public int MaxRunningVms { get; set; }

    public Quota ToQuota() => new(MaxVms, MaxCpus, MaxMemoryMiB, MaxDiskGiB, MaxRunningVms);
}

public sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        foreach (var role in Enum.GetValues<Role>())
        {
            var limits = options.For(role);
            foreach (var (field, value) in limits.ToQuota().Fields)
            {
                if (value is < 0 or > Quota.MaxLimit)
                {
                    return ValidateOptionsResult.Fail($"{QuotaOptions.Section}:{role}:{field}: must be between 0 and {Quota.MaxLimit}");
                }
            }
        }
        return ValidateOptionsResult.Success;
    }
}
