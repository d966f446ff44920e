using Microsoft.AspNetCore.Http.HttpResults;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Requests;

public static class RequestEndpoints
{
    public static IEndpointRouteBuilder MapRequests(this IEndpointRouteBuilder endpoints)
    {
        var requests = endpoints.MapGroup("/api/requests").WithTags("Requests").RequireAuthorization(Policies.Student).RequireAntiforgeryToken();
        requests.MapPost("/", Create)
            .WithSummary("Ask for more VMs, vCPU, memory (MiB), disk (GiB), hours for one of my VMs, or a template; teachers are told by e-mail.");
        requests.MapGet("/", List).WithSummary("My requests; teachers and admins see everyone's with scope=all. Filter with status=pending|approved|refused|expired.");
        requests.MapGet("/{id:long}", Get).WithSummary("One request.");
        requests.MapPost("/{id:long}/approve", (long id, DecisionBody? body, HttpContext context, RequestService service) =>
                Decide(id, approve: true, body, context, service))
            .RequireAuthorization(Policies.Teacher)
            .WithSummary("Approve (teachers, admins; never one's own): a quota request adds an override until its end date, a lifetime request extends the VM.");
        requests.MapPost("/{id:long}/refuse", (long id, DecisionBody? body, HttpContext context, RequestService service) =>
                Decide(id, approve: false, body, context, service))
            .RequireAuthorization(Policies.Teacher).WithSummary("Refuse, with a comment for the student (teachers, admins).");

        endpoints.MapGroup("/api/admin/mail").WithTags("Admin").RequireAuthorization(Policies.Admin).RequireAntiforgeryToken()
            .MapGet("/", (MailOutbox outbox) => TypedResults.Ok(outbox.Status()))
            .WithSummary("The mail outbox: messages waiting, given up, sent (last 30 days), and the last delivery error.");
        return endpoints;
    }

    private static Results<Created<ResourceRequestView>, ValidationProblem, ProblemHttpResult> Create(
        CreateRequestBody body, HttpContext context, RequestService service)
    {
        try
        {
            var created = service.Create(Caller.From(context), body);
            return TypedResults.Created($"/api/requests/{created.Id}", created);
        }
        catch (InvalidRequestException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors);
        }
        catch (RequestRateLimitedException ex)
        {
            if (ex.RetryAfter is { } wait)
            {
                context.Response.SetRetryAfter(wait);
            }
            return TypedResults.Problem(title: "Too many requests", detail: ex.Message, statusCode: StatusCodes.Status429TooManyRequests,
                type: "request-rate-limited");
        }
    }

    private static Results<Ok<IReadOnlyList<ResourceRequestView>>, ValidationProblem> List(
        HttpContext context, RequestService service, string? scope, string? status)
    {
        var errors = new Dictionary<string, string[]>();
        if (scope is not (null or "mine" or "all"))
        {
            errors["scope"] = ["mine or all"];
        }
        if (status is not null && !RequestStatuses.All.Contains(status))
        {
            errors["status"] = [$"one of {string.Join(", ", RequestStatuses.All)}"];
        }
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(service.List(Caller.From(context), scope == "all", status));
    }

    private static Results<Ok<ResourceRequestView>, ProblemHttpResult> Get(long id, HttpContext context, RequestService service) =>
        service.Find(Caller.From(context), id) is { } request ? TypedResults.Ok(request) : NotFound();

    private static Results<Ok<ResourceRequestView>, ValidationProblem, ProblemHttpResult> Decide(
        long id, bool approve, DecisionBody? body, HttpContext context, RequestService service)
    {
        try
        {
            return service.Decide(Caller.From(context), id, approve, body ?? new DecisionBody(null)) is { } decided ? TypedResults.Ok(decided) : NotFound();
        }
        catch (InvalidRequestException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors);
        }
        catch (UnauthorizedAccessException)
        {
            return TypedResults.Problem(title: "You cannot decide your own request", detail: "Another teacher or an admin must answer it.",
                statusCode: StatusCodes.Status403Forbidden);
        }
        catch (ConflictException ex)
        {
            return ex.ToProblem();
        }
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(title: "No such request", statusCode: StatusCodes.Status404NotFound);
}
