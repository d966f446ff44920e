using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

public sealed record ClassView(string Id, string DisplayName, string Source, IReadOnlyList<ClassMember> Students, IReadOnlyList<ClassMember> Teachers, ClassQuota? Quota);

public sealed record NewClassRequest(string? Id, string? DisplayName);

public sealed record MembersChangeRequest(string[]? Add, string[]? Remove);

public static class ClassAuditActions
{
    public const string Add = "class.add";
    public const string Remove = "class.remove";
    public const string Members = "class.members";
    public const string Teachers = "class.teachers";
    public const string Quota = "class.quota";
}

public static class ClassEndpoints
{
    public static IEndpointRouteBuilder MapClasses(this IEndpointRouteBuilder endpoints)
    {
        var classes = endpoints.MapGroup("/api/classes").WithTags("Classes").RequireAuthorization(Policies.Teacher).RequireAntiforgeryToken();
        classes.MapGet("/", List).WithSummary("The classes I teach (admins: every class), with their students, teachers and quota.");
        classes.MapPut("/{id}/quota", PutQuota)
            .WithSummary("Give a class more than the role's default (admins, and the class's teachers); null fields keep the default.");

        var admin = endpoints.MapGroup("/api/admin/classes").WithTags("Admin").RequireAuthorization(Policies.Admin).RequireAntiforgeryToken();
        admin.MapPost("/", Add).WithSummary("Create a local class.");
        admin.MapDelete("/{id}", Remove).WithSummary("Delete a local class (directory classes change in the directory).");
        admin.MapPost("/{id}/students", (string id, MembersChangeRequest body, HttpContext context, ClassStore store, AuditLog audit) =>
                Edit(id, ClassParts.Student, body, context, store, audit))
            .WithSummary("Add and remove students of a local class.");
        admin.MapPost("/{id}/teachers", (string id, MembersChangeRequest body, HttpContext context, ClassStore store, AuditLog audit) =>
                Edit(id, ClassParts.Teacher, body, context, store, audit))
            .WithSummary("Add and remove teachers of a local class.");
        return endpoints;
    }

    /// <summary>The class as <paramref name="user"/> may see it: admins every class, a teacher those they teach; null otherwise (404).</summary>
    internal static bool Teaches(ClaimsPrincipal user, SchoolClass schoolClass) => user.UserRole() == Role.Admin
        || schoolClass.Teachers.Any(teacher => string.Equals(teacher.UserName, user.UserName(), StringComparison.OrdinalIgnoreCase));

    private static Ok<IReadOnlyList<ClassView>> List(ClaimsPrincipal user, ClassStore store) =>
        TypedResults.Ok<IReadOnlyList<ClassView>>(store.List().Where(c => Teaches(user, c))
            .Select(c => new ClassView(c.Id, c.DisplayName, c.Source, c.Students, c.Teachers, store.QuotaOf(c.Id))).ToList());

    private static Results<Ok<ClassView>, ValidationProblem, ProblemHttpResult> PutQuota(
        string id, ClassQuota quota, HttpContext context, ClassStore store, AuditLog audit)
    {
        if (store.Find(id) is not { } schoolClass || !Teaches(context.User, schoolClass))
        {
            return NotFound();
        }
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, value) in new[]
        {
            ("maxVms", quota.MaxVms), ("maxCpus", quota.MaxCpus), ("maxMemoryMiB", quota.MaxMemoryMiB),
            ("maxDiskGiB", quota.MaxDiskGiB), ("maxRunningVms", quota.MaxRunningVms),
        })
        {
            if (value is < 0 or > Quota.MaxLimit)
            {
                errors[field] = [$"must be between 0 and {Quota.MaxLimit}"];
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        store.SetQuota(schoolClass.Id, quota, context.User.UserName());
        audit.Record(context.User.UserName(), ClassAuditActions.Quota, $"class:{schoolClass.Id}", AuditOutcomes.Success, quota.ToString(), context.ClientAddress());
        return TypedResults.Ok(new ClassView(schoolClass.Id, schoolClass.DisplayName, schoolClass.Source, schoolClass.Students, schoolClass.Teachers, quota));
    }

    private static Results<Created<ClassView>, ValidationProblem, ProblemHttpResult> Add(
        NewClassRequest request, HttpContext context, ClassStore store, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>();
        if (ClassRules.IdProblem(request.Id) is { } idProblem)
        {
            errors["id"] = [idProblem];
        }
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? request.Id : request.DisplayName.Trim();
        if (ClassRules.DisplayNameProblem(displayName) is { } nameProblem)
        {
            errors["displayName"] = [nameProblem];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (!store.AddLocal(request.Id!, displayName!))
        {
            return TypedResults.Problem(title: "A class with this id exists already", statusCode: StatusCodes.Status409Conflict, type: "class-exists");
        }
        audit.Record(context.User.UserName(), ClassAuditActions.Add, $"class:{request.Id}", AuditOutcomes.Success, displayName, context.ClientAddress());
        return TypedResults.Created($"/api/classes", new ClassView(request.Id!, displayName!, ClassSources.Local, [], [], null));
    }

    private static Results<NoContent, ProblemHttpResult> Remove(string id, HttpContext context, ClassStore store, AuditLog audit)
    {
        if (!store.RemoveLocal(id))
        {
            return NotFound();
        }
        audit.Record(context.User.UserName(), ClassAuditActions.Remove, $"class:{id}", AuditOutcomes.Success, null, context.ClientAddress());
        return TypedResults.NoContent();
    }

    private static Results<Ok<ClassView>, ValidationProblem, ProblemHttpResult> Edit(
        string id, string part, MembersChangeRequest body, HttpContext context, ClassStore store, AuditLog audit)
    {
        string[] add = body.Add ?? [], remove = body.Remove ?? [];
        if (add.Concat(remove).Select(SessionEndpoints.UserNameProblem).FirstOrDefault(problem => problem is not null) is { } problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [add.Length > 0 ? "add" : "remove"] = [$"each user name: {problem}"] });
        }
        if (!store.EditLocal(id, part, add.Select(name => name.Trim()), remove.Select(name => name.Trim())) && store.Find(id) is not { Source: ClassSources.Local })
        {
            return NotFound();
        }
        var saved = store.Find(id)!;
        audit.Record(context.User.UserName(), part == ClassParts.Student ? ClassAuditActions.Members : ClassAuditActions.Teachers, $"class:{saved.Id}",
            AuditOutcomes.Success, $"+{string.Join(',', add)} -{string.Join(',', remove)}", context.ClientAddress());
        return TypedResults.Ok(new ClassView(saved.Id, saved.DisplayName, saved.Source, saved.Students, saved.Teachers, store.QuotaOf(saved.Id)));
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(title: "No such class", statusCode: StatusCodes.Status404NotFound);
}
