using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

public sealed class LdapHealthCheck(IOptions<LdapOptions> options, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled)
        {
            return HealthCheckResult.Healthy("not configured (local accounts)", new Dictionary<string, object> { ["code"] = "localAccounts" });
        }
        try
        {
            await services.GetRequiredService<LdapDirectory>().CheckServiceBindAsync();
            return HealthCheckResult.Healthy($"{options.Value.Host}:{options.Value.EffectivePort} service bind ok",
                new Dictionary<string, object> { ["code"] = "directoryBound", ["server"] = $"{options.Value.Host}:{options.Value.EffectivePort}" });
        }
        catch (DirectoryUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
