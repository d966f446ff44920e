using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace VmManager.Daemon.Accounts;

/// <summary><see cref="Sources"/>: per limit (maxVms …), where it comes from ("role", "class:ID", "admin", "request:N").</summary>
public sealed record QuotaStatus(Quota Limits, Usage Usage, Quota Remaining, IReadOnlyDictionary<string, string>? Sources = null);

/// <summary>An admin's view: <see cref="Role"/> is the one the user had at their latest login (Student if never).</summary>
public sealed record UserQuotaStatus(string UserName, string Role, Quota Limits, Usage Usage, Quota Remaining, IReadOnlyList<QuotaOverride> Overrides);

public sealed record QuotaOverrideRequest(
    int? MaxVms, int? MaxCpus, int? MaxMemoryMiB, int? MaxDiskGiB, int? MaxRunningVms, DateTimeOffset? ExpiresAt, string? Reason);

public static class QuotaEndpoints
{
    public const int MaxReasonLength = 500;

    public static IEndpointRouteBuilder MapQuotas(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/quota").WithTags("Quota").RequireAuthorization(Policies.Student)
            .MapGet("/", Mine).WithSummary("My quota, what my VMs use and what is left.");

        var admin = endpoints.MapGroup("/api/admin/users/{userName}/quota").WithTags("Admin")
            .RequireAuthorization(Policies.Admin).RequireAntiforgeryToken();
        admin.MapGet("/", Get).WithSummary("A user's effective quota, usage and the overrides in force.");
        admin.MapPut("/", Put).WithSummary("Set the admin override of a user's quota (null fields keep the role default).");
        admin.MapDelete("/", Delete).WithSummary("Remove the admin override of a user's quota.");
        return endpoints;
    }

    private static Ok<QuotaStatus> Mine(ClaimsPrincipal user, QuotaService quotas)
    {
        var status = quotas.StatusOf(user.UserName(), user.UserRole());
        return TypedResults.Ok(new QuotaStatus(status.Limits, status.Usage, status.Limits.Remaining(status.Usage), status.Sources));
    }

    private static Results<Ok<UserQuotaStatus>, ValidationProblem> Get(string userName, QuotaService quotas, SessionStore sessions) =>
        SessionEndpoints.UserNameValidation(userName) is { } invalid ? invalid : TypedResults.Ok(Status(userName, quotas, sessions));

    private static Results<Ok<UserQuotaStatus>, ValidationProblem> Put(
        string userName, QuotaOverrideRequest request, HttpContext context, QuotaService quotas, SessionStore sessions,
        AuditLog audit, TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        if (SessionEndpoints.UserNameProblem(userName) is { } problem)
        {
            errors["userName"] = [problem];
        }
        var change = new QuotaChange(request.MaxVms, request.MaxCpus, request.MaxMemoryMiB, request.MaxDiskGiB, request.MaxRunningVms);
        foreach (var (field, value) in new[]
        {
            ("maxVms", change.MaxVms), ("maxCpus", change.MaxCpus), ("maxMemoryMiB", change.MaxMemoryMiB),
            ("maxDiskGiB", change.MaxDiskGiB), ("maxRunningVms", change.MaxRunningVms),
        })
        {
            if (value is < 0 or > Quota.MaxLimit)
            {
                errors[field] = [$"must be between 0 and {Quota.MaxLimit}"];
            }
        }
        if (change == new QuotaChange(null, null, null, null, null))
        {
            errors["maxVms"] = ["set at least one limit (DELETE removes the override)"];
        }
        if (request.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            errors["expiresAt"] = ["must be in the future"];
        }
        if (request.Reason is { Length: > MaxReasonLength })
        {
            errors["reason"] = [$"at most {MaxReasonLength} characters"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var admin = context.User.UserName();
        quotas.SetOverride(userName, QuotaService.AdminSource, change, request.ExpiresAt, admin, request.Reason);
        audit.Record(admin, AuditActions.SetQuota, userName, AuditOutcomes.Success, Describe(change, request.ExpiresAt), context.ClientAddress());
        return TypedResults.Ok(Status(userName, quotas, sessions));
    }

    private static Results<NoContent, ProblemHttpResult, ValidationProblem> Delete(
        string userName, HttpContext context, QuotaService quotas, AuditLog audit)
    {
        if (SessionEndpoints.UserNameValidation(userName) is { } invalid)
        {
            return invalid;
        }
        if (!quotas.RemoveOverride(userName, QuotaService.AdminSource))
        {
            return TypedResults.Problem(title: $"{userName} has no admin quota override", statusCode: StatusCodes.Status404NotFound);
        }
        audit.Record(context.User.UserName(), AuditActions.RemoveQuota, userName, AuditOutcomes.Success, null, context.ClientAddress());
        return TypedResults.NoContent();
    }

    private static UserQuotaStatus Status(string userName, QuotaService quotas, SessionStore sessions)
    {
        var role = sessions.LastKnownRole(userName) ?? Role.Student;
        var (limits, usage, overrides) = quotas.StatusOf(userName, role);
        return new UserQuotaStatus(userName, role.ToString(), limits, usage, limits.Remaining(usage), overrides);
    }

    private static string Describe(QuotaChange change, DateTimeOffset? expiresAt) =>
        $"{change}{(expiresAt is { } until ? $" until {until:O}" : "")}";
}
