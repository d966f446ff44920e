using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Hosting;

public static class HealthEndpoints
{
    /// <summary>
    /// /healthz: the process answers. /readyz: every dependency, each with its reason, as JSON, to admins and
    /// loopback callers (monitoring on the host); anyone else learns the overall status only. A check's data may
    /// hold a "code" and values (its description in words the UI translates): they are answered beside it.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                return JsonSerializer.SerializeAsync(context.Response.Body, Body(report, details: true), JsonSerializerOptions.Web, context.RequestAborted);
            },
        });
        endpoints.MapGet("/readyz", async (HttpContext context, ReadinessCache readiness) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return Answer(await readiness.GetAsync(context.RequestAborted), details: IsLocal(context) || context.User.IsInRole(nameof(Role.Admin)));
            })
            .ExcludeFromDescription();
        // The admin page's health section: /readyz stays local behind nginx, this is reachable through it.
        endpoints.MapGet("/api/admin/health", async (ReadinessCache readiness, CancellationToken cancellation) =>
                Answer(await readiness.GetAsync(cancellation), details: true))
            .RequireAuthorization(Policies.Admin).WithTags("Admin")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").Produces(StatusCodes.Status503ServiceUnavailable, contentType: "application/json")
            .WithSummary("Every dependency's check, as /readyz answers it on loopback (503 when one is unhealthy).");
        return endpoints;
    }

    // No peer address: an in-process caller (tests), not a network client.
    private static bool IsLocal(HttpContext context) => context.Connection.RemoteIpAddress is not { } address || IPAddress.IsLoopback(address);

    private static IResult Answer(HealthReport report, bool details) => Results.Json(Body(report, details), JsonSerializerOptions.Web,
        "application/json; charset=utf-8", report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);

    private static object Body(HealthReport report, bool details)
    {
        var status = report.Status.ToString();
        return details
            ? new
            {
                status,
                durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
                checks = report.Entries.ToDictionary(entry => entry.Key, entry => new
                {
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description ?? entry.Value.Exception?.Message,
                    code = entry.Value.Data.GetValueOrDefault("code"),
                    values = entry.Value.Data.Where(pair => pair.Key != "code").ToDictionary(pair => pair.Key, pair => pair.Value),
                    durationMs = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                }),
            }
            : new { status };
    }
}

/// <summary>
/// The "ready" checks bind to LDAP and connect to SMTP: their report is reused for <see cref="MaxAge"/>, and callers
/// arriving while a run is under way share it, so polling /readyz cannot turn into load on the directory or relay.
/// </summary>
public sealed class ReadinessCache(HealthCheckService checks, TimeProvider time)
{
    internal static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private readonly Lock _lock = new();
    private Task<HealthReport>? _run;
    private DateTimeOffset _startedAt;

    public Task<HealthReport> GetAsync(CancellationToken cancellation)
    {
        Task<HealthReport> run;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_run is null || (_run.IsCompleted && now - _startedAt >= MaxAge))
            {
                _startedAt = now;
                // Not the caller's token: one caller leaving must not cancel the others' answer.
                _run = checks.CheckHealthAsync(check => check.Tags.Contains("ready"), CancellationToken.None);
            }
            run = _run;
        }
        return run.WaitAsync(cancellation);
    }
}
