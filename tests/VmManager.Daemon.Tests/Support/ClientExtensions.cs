using System.Net.Http.Json;
using System.Text.Json;

namespace VmManager.Daemon.Tests.Support;

public static class ClientExtensions
{
    /// <summary>Fetches the session's antiforgery token and sends it on every later request, as the UI does.</summary>
    public static async Task AddAntiforgeryTokenAsync(this HttpClient client)
    {
        var response = await client.GetAsync("/api/session/antiforgery");
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
    }
}
