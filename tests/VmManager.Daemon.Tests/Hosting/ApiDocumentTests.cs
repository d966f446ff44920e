using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

public sealed partial class ApiDocumentTests
{
    [Fact]
    public async Task OpenApiDocument_EveryMappedApiRoute_IsDocumentedWithItsAnswers()
    {
        using var factory = new VmManagerFactory();
        var client = factory.CreateClient();

        var response = await client.GetAsync("/openapi/v1.json");

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        var documented = paths.EnumerateObject().ToDictionary(path => Normalize(path.Name), path => path.Value);
        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(method => (endpoint, method)))
            .ToList();
        Assert.True(mapped.Count > 20, $"only {mapped.Count} /api routes found");
        foreach (var (endpoint, method) in mapped)
        {
            var route = $"{method} {endpoint.RoutePattern.RawText}";
            Assert.True(documented.TryGetValue(Normalize(endpoint.RoutePattern.RawText!), out var path), $"{route} is not in the document");
            Assert.True(path.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{route} is not in the document");
            var answers = operation.GetProperty("responses").EnumerateObject().Select(answer => answer.Name).ToList();
            Assert.Contains(answers, status => status.StartsWith('2'));
            if (endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
            {
                Assert.True(answers.Contains("401") && answers.Contains("403"), $"{route} lacks its 401/403 answers");
                Assert.True(operation.GetProperty("responses").GetProperty("401").GetProperty("content").TryGetProperty("application/problem+json", out _),
                    $"{route}: 401 is not a problem");
            }
        }
        Assert.DoesNotContain(documented.Keys, path => !path.StartsWith("/api/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApiDocument_CreateVm_NamesItsRequestAndResponseTypes()
    {
        using var factory = new VmManagerFactory();

        var json = await factory.CreateClient().GetStringAsync("/openapi/v1.json");

        using var document = JsonDocument.Parse(json);
        var create = document.RootElement.GetProperty("paths").EnumerateObject().Single(path => Normalize(path.Name) == "/api/vms").Value.GetProperty("post");
        Assert.Contains("CreateMachineRequest", create.GetProperty("requestBody").GetRawText());
        Assert.Contains("Accepted", create.GetProperty("responses").GetProperty("202").GetRawText());
        Assert.True(create.GetProperty("responses").TryGetProperty("409", out _));
    }

    /// <summary>Route constraints and a trailing slash are not part of the document's path names.</summary>
    private static string Normalize(string route) => Constraint().Replace(route, "{$1}").TrimEnd('/');

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex Constraint();
}
