using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Classes;

/// <summary>How old the memberships in force are; degraded (still ready) while the directory cannot be read.</summary>
public sealed class ClassesHealthCheck(ClassStore store, IOptions<ClassesOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Ldap.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("local classes only"));
        }
        var status = store.SyncStatus();
        var now = time.GetUtcNow();
        string Age(DateTimeOffset? at) => at is { } value
            ? $"{((long)(now - value).TotalSeconds).ToString(CultureInfo.InvariantCulture)} s old (read {value:u})"
            : "none read yet";
        var data = new Dictionary<string, object> { ["syncedAt"] = status?.SyncedAt?.ToString("O") ?? "" };
        return Task.FromResult(status switch
        {
            null => HealthCheckResult.Degraded("memberships not read from the directory yet", data: data),
            { LastError: { } error } => HealthCheckResult.Degraded($"memberships {Age(status.SyncedAt)} stay in force: {error}", data: data),
            _ => HealthCheckResult.Healthy($"memberships {Age(status.SyncedAt)}", data),
        });
    }
}
