using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;

using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;

namespace VmManager.Daemon.Machines;

public static class MachineEndpoints
{
    public static IEndpointRouteBuilder MapMachines(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/templates", (MachineService machines) => TypedResults.Ok(machines.Templates.Select(t => new TemplateView(
                t.Id, t.LabelFr, t.LabelEn, t.DescriptionFr, t.DescriptionEn, t.Os.ToString().ToLowerInvariant(), t.Cpus, t.MemoryMiB, t.DiskGiB, t.LifetimeHours))))
            .RequireAuthorization(Policies.Student).WithTags("Machines").WithSummary("The catalogue of VM templates.");

        var vms = endpoints.MapGroup("/api/vms").RequireAuthorization(Policies.Student).RequireAntiforgeryToken().WithTags("Machines");
        vms.MapGet("/", (HttpContext context, MachineService machines, string? scope) =>
                TypedResults.Ok(machines.List(Caller.From(context), scope == "all")))
            .WithSummary("My VMs, or with scope=all every VM a teacher or admin may see.");
        vms.MapGet("/events", Events).WithSummary("Server-sent events: a VM's state or job step changed.");
        vms.MapGet("/{id}", (string id, HttpContext context, MachineService machines) =>
                machines.FindVisible(Caller.From(context), id) is { } machine ? Results.Ok(machines.View(machine)) : NotFound())
            .Produces<MachineView>().WithSummary("One VM.");
        vms.MapPost("/", CreateAsync).Produces<Accepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a VM: answers 202 at once with the queued job.");
        vms.MapPost("/{id}/start", (string id, HttpContext context, MachineService machines) => Act(id, JobKinds.Start, context, machines)).AnswersJob().WithSummary("Start.");
        vms.MapPost("/{id}/stop", (string id, HttpContext context, MachineService machines) => Act(id, JobKinds.Stop, context, machines))
            .AnswersJob().WithSummary("Shut down (ACPI), forced off after the configured timeout.");
        vms.MapPost("/{id}/force-off", (string id, HttpContext context, MachineService machines) => Act(id, JobKinds.ForceOff, context, machines)).AnswersJob().WithSummary("Power off at once (admins).");
        vms.MapPost("/{id}/reboot", (string id, HttpContext context, MachineService machines) => Act(id, JobKinds.Reboot, context, machines)).AnswersJob().WithSummary("Reboot.");
        vms.MapDelete("/{id}", (string id, HttpContext context, MachineService machines) => Act(id, JobKinds.Delete, context, machines)).AnswersJob().WithSummary("Delete the VM and its disks.");
        vms.MapPost("/{id}/extend", (string id, ExtendLeaseRequest request, HttpContext context, MachineService machines) =>
                Guarded(id, context, machines, machine => Results.Ok(machines.Extend(Caller.From(context), machine, request))))
            .Produces<MachineView>().ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Extend the lease to one of the template's lifetimes from now.");
        vms.MapGet("/{id}/log", (string id, HttpContext context, MachineService machines) =>
                Guarded(id, context, machines, machine => Results.Text(machines.Log(Caller.From(context), machine), "text/plain; charset=utf-8")))
            .Produces<string>(contentType: "text/plain").WithSummary("The output of every operation on this VM.");
        vms.MapGet("/{id}/credentials", (string id, HttpContext context, MachineService machines) =>
                Guarded(id, context, machines, machine => Caller.From(context).IsOwner(machine)
                    ? Results.Ok(machines.CredentialsOf(Caller.From(context), machine))
                    : Results.Problem(title: "Only the VM's owner can see its password", statusCode: StatusCodes.Status403Forbidden)))
            .Produces<Credentials>().WithSummary("The generated login of the VM (owner only).");

        var admin = endpoints.MapGroup("/api/admin").RequireAuthorization(Policies.Admin).WithTags("Admin");
        admin.MapGet("/jobs", (MachineStore store, int? limit) => TypedResults.Ok(store.RecentJobs(Math.Clamp(limit ?? 100, 1, 1000)).Select(JobView.From)))
            .WithSummary("The job queue: the most recent jobs, newest first.");
        admin.MapGet("/hypervisor", (Reconciler reconciler, MachineRuntimeCache runtime) => TypedResults.Ok(new
            {
                reconciler.UnknownDomains,
                reconciler.LastPass,
                runtime.RefreshedAt,
                Domains = runtime.Domains.Count,
            }))
            .WithSummary("Domains on the host that VmManager does not manage, and when it last looked.");

        endpoints.MapGet("/api/jobs/{id:long}", (long id, HttpContext context, MachineStore store, MachineService machines) =>
                store.FindJob(id) is { } job && machines.FindVisibleIncludingDeleted(Caller.From(context), job.MachineId)
                    ? Results.Ok(JobView.From(job))
                    : NotFound())
            .Produces<JobView>().RequireAuthorization(Policies.Student).WithTags("Machines").WithSummary("One job's status.");
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(CreateMachineRequest request, HttpContext context, MachineService machines, CancellationToken cancellationToken)
    {
        try
        {
            var accepted = await machines.CreateAsync(Caller.From(context), request, cancellationToken);
            return TypedResults.Accepted($"/api/jobs/{accepted.Job.Id}", accepted);
        }
        catch (InvalidRequestException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors);
        }
        catch (ConflictException ex)
        {
            return ex.ToProblem();
        }
        catch (QuotaExceededException ex)
        {
            return ex.ToProblem();
        }
    }

    /// <summary>For the API document: an action answers 202 with its queued job, or 409 while another runs.</summary>
    private static RouteHandlerBuilder AnswersJob(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<JobView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);

    private static IResult Act(string id, string kind, HttpContext context, MachineService machines) =>
        Guarded(id, context, machines, machine =>
        {
            var job = machines.Act(Caller.From(context), machine, kind);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", JobView.From(job));
        });

    /// <summary>404 for what the caller cannot see, 403 for what they see but may not do, 409 while busy.</summary>
    private static IResult Guarded(string id, HttpContext context, MachineService machines, Func<Machine, IResult> action)
    {
        if (machines.FindVisible(Caller.From(context), id) is not { } machine)
        {
            return NotFound();
        }
        try
        {
            return action(machine);
        }
        catch (InvalidRequestException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors);
        }
        catch (ConflictException ex)
        {
            return ex.ToProblem();
        }
        catch (UnauthorizedAccessException)
        {
            return TypedResults.Problem(title: "You may not do this with this VM", statusCode: StatusCodes.Status403Forbidden);
        }
        catch (QuotaExceededException ex)
        {
            return ex.ToProblem();
        }
        catch (MachineBusyException ex)
        {
            return TypedResults.Problem(title: "Another operation is in progress on this VM", detail: ex.Message,
                statusCode: StatusCodes.Status409Conflict, type: "operation-in-progress");
        }
    }

    private static ServerSentEventsResult<MachineChanged> Events(HttpContext context, MachineEvents events, Visibility visibility, IHostApplicationLifetime lifetime)
    {
        var caller = Caller.From(context);
        // An open page must not hold `systemctl stop`: the stream ends when shutdown begins (EventSource reconnects).
        var stream = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.Response.RegisterForDispose(stream);
        // A reverse proxy must pass each event on at once (nginx buffers responses unless told otherwise).
        context.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(Visible(caller, events, visibility, stream.Token), "machine");
    }

    /// <summary>Asks the visibility rule at each event: a student who left the teacher's class stops showing at once.</summary>
    private static async IAsyncEnumerable<MachineChanged> Visible(Caller caller, MachineEvents events, Visibility visibility,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var changes = events.SubscribeAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await NextAsync(changes))
        {
            if (visibility.SightOf(caller.UserName, caller.Role).Sees(changes.Current.Owner))
            {
                yield return changes.Current;
            }
        }
    }

    /// <summary>A cancelled stream (the page left, or the daemon stops) simply ends.</summary>
    private static async Task<bool> NextAsync(IAsyncEnumerator<MachineChanged> changes)
    {
        try
        {
            return await changes.MoveNextAsync();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(title: "No such VM", statusCode: StatusCodes.Status404NotFound);
}
