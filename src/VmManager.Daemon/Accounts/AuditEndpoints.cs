using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace VmManager.Daemon.Accounts;

public static class AuditEndpoints
{
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/admin/audit").WithTags("Admin").RequireAuthorization(Policies.Admin)
            .MapGet("/", Find)
            .WithSummary("The audit log, newest first; filter by actor, action and time (from inclusive, to exclusive, ISO 8601).");
        return endpoints;
    }

    private static Results<Ok<AuditPage>, ValidationProblem> Find(
        AuditLog audit, string? actor, string? action, string? from, string? to, string? page, string? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        var fromTime = Time(from, "from", errors);
        var toTime = Time(to, "to", errors);
        var pageNumber = Number(page, "page", 1, 1, int.MaxValue, errors);
        var size = Number(pageSize, "pageSize", 50, 1, MaxPageSize, errors);
        if (fromTime is not null && toTime is not null && toTime <= fromTime)
        {
            errors["to"] = ["must be after from"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return TypedResults.Ok(audit.Find(new AuditQuery(Blank(actor), Blank(action), fromTime, toTime, pageNumber, size)));
    }

    // Query values are parsed here rather than bound, so a bad one is a validation problem naming its field.
    private static DateTimeOffset? Time(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }
        errors[field] = ["must be a date and time such as 2026-01-31T08:00:00Z"];
        return null;
    }

    private static int Number(string? value, string field, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }
        errors[field] = [$"must be a whole number between {min} and {max}"];
        return fallback;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
