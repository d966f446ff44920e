using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hosting;

public static class MetricsEndpoints
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        // Created now rather than at the first scrape: the listener only sees what is recorded after it starts.
        endpoints.ServiceProvider.GetRequiredService<PrometheusExporter>();
        endpoints.MapGet("/metrics", Scrape).WithTags("Operations")
            .WithSummary("Prometheus metrics (text format 0.0.4), for the addresses in Metrics:AllowedAddresses only.");
        return endpoints;
    }

    private static Results<ContentHttpResult, NotFound> Scrape(HttpContext context, PrometheusExporter exporter, IOptions<MetricsOptions> options) =>
        options.Value.Allows(context.Connection.RemoteIpAddress)
            ? TypedResults.Text(exporter.Render(), ContentType)
            : TypedResults.NotFound();
}
