using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>Resource requests through the API, to give the pages something to show.</summary>
public static class RequestApi
{
    /// <summary>Asks for <paramref name="amount"/> of <paramref name="kind"/> (or, for "template", the template named in <paramref name="template"/>) for 30 days.</summary>
    public static async Task<long> CreateAsync(HttpClient client, string kind, int? amount, string reason, string? template = null)
    {
        var response = await client.PostAsJsonAsync("/api/requests", new
        {
            kind, amount, template, reason, until = DateTimeOffset.UtcNow.AddDays(30).ToString("O"),
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"request {kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(MachineApi.Json)).GetProperty("id").GetInt64();
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, long id) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/requests/{id}", MachineApi.Json);

    public static async Task DecideAsync(HttpClient teacher, long id, string decision, string comment)
    {
        var response = await teacher.PostAsJsonAsync($"/api/requests/{id}/{decision}", new { comment });
        Assert.True(response.IsSuccessStatusCode, $"{decision} {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
