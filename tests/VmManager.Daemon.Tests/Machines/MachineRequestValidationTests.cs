using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>Bad requests get a 4xx problem naming the field, and nothing is created.</summary>
public sealed class MachineRequestValidationTests : IDisposable
{
    private readonly VmManagerFactory _factory = new();

    public static TheoryData<string, object> BadCreates => new()
    {
        { "templateId", new { name = "ok", templateId = "no-such-template" } },
        { "templateId", new { name = "ok" } },
        { "cpus", new { name = "ok", templateId = "tiny", cpus = 3 } },
        { "memoryMiB", new { name = "ok", templateId = "tiny", memoryMiB = 64 } },
        { "diskGiB", new { name = "ok", templateId = "tiny", diskGiB = 500 } },
        { "lifetimeHours", new { name = "ok", templateId = "tiny", lifetimeHours = 1000 } },
        { "name", new { name = "../../etc", templateId = "tiny" } },
        { "name", new { name = "my vm", templateId = "tiny" } },
        { "name", new { name = new string('a', 300), templateId = "tiny" } },
        { "name", new { name = "x;rm -rf /", templateId = "tiny" } },
        { "name", new { name = "$(id)", templateId = "tiny" } },
        { "name", new { name = "`id`", templateId = "tiny" } },
        { "name", new { name = "", templateId = "tiny" } },
        { "name", new { templateId = "tiny" } },
    };

    [Fact]
    public async Task Create_NullBody_PlainProblemWithoutTheFrameworksDeveloperHint()
    {
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var response = await client.PostAsync("/api/vms", new StringContent("null", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The request body must be a JSON object.", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("Implicit body", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Create_BadInput_ValidationProblemNamingTheFieldAndNothingCreated(string field, object body)
    {
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var response = await client.PostAsJsonAsync("/api/vms", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
        Assert.Empty(await client.GetFromJsonAsync<MachineView[]>("/api/vms", MachineApi.Json) ?? []);
        Assert.False(Directory.Exists(_factory.VmRoot) && Directory.EnumerateFileSystemEntries(_factory.VmRoot).Any());
    }

    [Fact]
    public async Task Create_MalformedJson_Is400NotServerError()
    {
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var response = await client.PostAsync("/api/vms", new StringContent("{ \"name\": ", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/vms/abcdefghij")]
    [InlineData("POST", "/api/vms/abcdefghij/start")]
    [InlineData("DELETE", "/api/vms/abcdefghij")]
    [InlineData("GET", "/api/vms/..%2F..%2Fetc")]
    [InlineData("GET", "/api/jobs/999999")]
    public async Task Act_UnknownVm_Is404(string method, string path)
    {
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Api_Anonymous_Is401ProblemWithoutRedirect()
    {
        var response = await _factory.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/api/vms");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public void Dispose() => _factory.Dispose();
}
