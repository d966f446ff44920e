using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hosting;

public static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
            {
                var allowed = context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Allows(context.Connection.RemoteIpAddress);
                // Any other client gets the 404 (problem details) of a path that does not exist.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return allowed ? next(context) : Task.CompletedTask;
            }), optionsName: null)
            .WithTags("Operations")
            .WithSummary("Prometheus metrics (text format 0.0.4), for the addresses in Metrics:AllowedAddresses only.");
        return endpoints;
    }
}
