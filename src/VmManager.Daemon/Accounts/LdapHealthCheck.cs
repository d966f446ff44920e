using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

public sealed class LdapHealthCheck(IOptions<LdapOptions> options, IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("not configured (local accounts)", new Dictionary<string, object> { ["code"] = "localAccounts" }));
        }
        try
        {
            services.GetRequiredService<LdapDirectory>().CheckServiceBind();
            return Task.FromResult(HealthCheckResult.Healthy($"{options.Value.Host}:{options.Value.EffectivePort} service bind ok",
                new Dictionary<string, object> { ["code"] = "directoryBound", ["server"] = $"{options.Value.Host}:{options.Value.EffectivePort}" }));
        }
        catch (DirectoryUnavailableException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(ex.Message));
        }
    }
}
