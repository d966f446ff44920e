using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// The OpenAPI document of every /api endpoint at /openapi/v1.json. Answers every endpoint may give
/// without declaring them (401 and 403 from its authorization, 400 for a bad body or parameter, 404 for
/// an id that names nothing) are added here as problem details, so the endpoint files list only their own.
/// </summary>
public static class ApiDocument
{
    public const string Path = "/openapi/v1.json";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = "VmManager", Version = "v1", Description = "The API the web UI uses; cookies from POST /api/session, antiforgery header from GET /api/session/antiforgery." };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(AddImplicitProblemsAsync);
        });

    public static IEndpointRouteBuilder MapApiDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi(Path);
        return endpoints;
    }

    private static async Task AddImplicitProblemsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var problems = new List<(int Status, string Description)>();
        if (operation.RequestBody is not null || operation.Parameters is { Count: > 0 })
        {
            problems.Add((StatusCodes.Status400BadRequest, "Bad request: the problem's errors name the fields."));
        }
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            problems.Add((StatusCodes.Status401Unauthorized, "Not logged in."));
            problems.Add((StatusCodes.Status403Forbidden, "Logged in, but the role or the antiforgery token does not allow it."));
        }
        if (context.Description.RelativePath?.Contains('{', StringComparison.Ordinal) == true)
        {
            problems.Add((StatusCodes.Status404NotFound, "Nothing of that id that the caller may see."));
        }
        operation.Responses ??= [];
        foreach (var (status, description) in problems)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses.ContainsKey(key))
            {
                continue;
            }
            var schema = await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), null, cancellationToken);
            operation.Responses[key] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
            };
        }
    }
}
