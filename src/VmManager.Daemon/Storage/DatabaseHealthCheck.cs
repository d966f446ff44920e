using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VmManager.Daemon.Storage;

public sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var connection = database.Open();
            var version = connection.ExecuteScalar<int>("PRAGMA user_version;");
            return Task.FromResult(HealthCheckResult.Healthy($"schema version {version}", new Dictionary<string, object> { ["code"] = "schemaVersion", ["version"] = version }));
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"database unavailable: {ex.Message}"));
        }
    }
}
