using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>Calls /api/requests as the UI would, and reads the headers the sink's parser leaves in Raw.</summary>
internal static partial class RequestsApi
{
    public const string Student = "etudiant";
    public const string StudentPassword = "Etudiant-Demo1";
    public const string Teacher = "enseignant";
    public const string TeacherPassword = "Enseignant-Demo1";
    public const string Admin = "admin";
    public const string AdminPassword = "Admin-Demo1";
    public const string PublicOrigin = "https://vms.school.test";

    /// <summary>The rig's sink, a teachers' address unique to the test (so its mails are told apart in the shared sink), fast retries.</summary>
    public static Dictionary<string, string?> MailSettings(RigFixture rig, string teachers) => new(RigSettings.Mail(rig))
    {
        ["Server:PublicOrigin"] = PublicOrigin,
        ["Requests:NotifyAddresses:0"] = teachers,
        ["Mail:RetryFirstDelaySeconds"] = "1",
        ["Mail:RetryMaxDelaySeconds"] = "2",
    };

    public static string Marker() => Guid.NewGuid().ToString("N")[..12];

    public static string Until(TimeProvider clock, TimeSpan fromNow) => (clock.GetUtcNow() + fromNow).ToString("O");

    public static async Task<ResourceRequestView> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/requests", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.NotNull(response.Headers.Location);
        return (await response.Content.ReadFromJsonAsync<ResourceRequestView>(MachineApi.Json))!;
    }

    public static async Task<HttpResponseMessage> DecideAsync(HttpClient client, long id, string decision, string? comment) =>
        await client.PostAsJsonAsync($"/api/requests/{id}/{decision}", new { comment });

    public static async Task<ResourceRequestView> GetAsync(HttpClient client, long id) =>
        (await client.GetFromJsonAsync<ResourceRequestView>($"/api/requests/{id}", MachineApi.Json))!;

    public static string Header(ReceivedMail mail, string name) =>
        Regex.Match(mail.Raw.ReplaceLineEndings("\n").Split("\n\n", 2)[0], $@"^{Regex.Escape(name)}:\s*(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase)
            .Groups[1].Value.Trim();

    public static IReadOnlyList<ReceivedMail> To(RigFixture rig, string address) =>
        MailSink.All(rig).Where(mail => mail.To.Contains(address, StringComparison.OrdinalIgnoreCase)).ToList();
}
