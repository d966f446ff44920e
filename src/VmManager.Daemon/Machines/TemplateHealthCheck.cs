using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Machines;

/// <summary>Every template's box is installed: otherwise students would only learn it when a create is refused.</summary>
public sealed class TemplateHealthCheck(BoxCatalog boxes, IOptions<MachinesOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = new List<string>();
        foreach (var template in options.Value.Templates)
        {
            if (!await boxes.IsInstalledAsync(template, cancellationToken))
            {
                missing.Add($"{template.Id} (box {template.Box})");
            }
        }
        return missing.Count == 0
            ? HealthCheckResult.Healthy($"{options.Value.Templates.Count} template(s), all boxes installed",
                new Dictionary<string, object> { ["code"] = "templatesInstalled", ["count"] = options.Value.Templates.Count })
            : HealthCheckResult.Degraded($"box not installed for: {string.Join(", ", missing)}",
                data: new Dictionary<string, object> { ["code"] = "boxesMissing", ["templates"] = string.Join(", ", missing) });
    }
}
