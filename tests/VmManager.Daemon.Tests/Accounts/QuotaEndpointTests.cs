using System.Net;
using System.Net.Http.Json;
using Dapper;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Tests.Accounts;

public sealed class QuotaEndpointTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Quotas:Student:MaxVms"] = "2",
        ["Quotas:Student:MaxCpus"] = "4",
        ["Quotas:Student:MaxMemoryMiB"] = "2048",
        ["Quotas:Student:MaxDiskGiB"] = "20",
        ["Quotas:Student:MaxRunningVms"] = "1",
    };

    [Fact]
    public async Task Mine_Student_QuotasHaveOnlyTheirNamedLimits()
    {
        using var app = new AccountsApp(Settings);
        var student = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");

        var status = await student.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/quota");

        foreach (var part in new[] { "limits", "remaining" })
        {
            Assert.Equal(["maxVms", "maxCpus", "maxMemoryMiB", "maxDiskGiB", "maxRunningVms"],
                status.GetProperty(part).EnumerateObject().Select(property => property.Name));
        }
    }

    [Fact]
    public async Task Mine_StudentWithAVm_ShowsLimitsUsageAndWhatIsLeft()
    {
        using var app = new AccountsApp(Settings);
        var student = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        using (var connection = app.Database.Open())
        {
            connection.Execute(
                """
                INSERT INTO machines (id, owner, name, template_id, cpus, memory_mib, disk_gib, state, domain_name, folder,
                                      login_user, password_protected, created_at, expires_at)
                VALUES ('m1', 'etudiant', 'web', 'tiny', 1, 512, 5, 'running', 'vmm-m1', '/tmp/m1', 'vagrant', 'x', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')
                """);
        }

        var status = await student.GetFromJsonAsync<QuotaStatus>("/api/quota");

        Assert.Equal(new Quota(2, 4, 2048, 20, 1), status!.Limits);
        Assert.Equal(new Usage(1, 1, 512, 5, 1), status.Usage);
        Assert.Equal(new Quota(1, 3, 1536, 15, 0), status.Remaining);
    }

    [Fact]
    public async Task AdminOverride_PutGetDelete_ChangesTheUsersEffectiveQuotaAndIsAudited()
    {
        using var app = new AccountsApp(Settings);
        var student = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1");

        var put = await admin.PutAsJsonAsync("/api/admin/users/etudiant/quota", new { maxVms = 5, maxMemoryMiB = 8192, reason = "projet BTS" });
        var mine = await student.GetFromJsonAsync<QuotaStatus>("/api/quota");
        var delete = await admin.DeleteAsync("/api/admin/users/etudiant/quota");
        var after = await admin.GetFromJsonAsync<UserQuotaStatus>("/api/admin/users/etudiant/quota");
        var deleteAgain = await admin.DeleteAsync("/api/admin/users/etudiant/quota");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var set = (await put.Content.ReadFromJsonAsync<UserQuotaStatus>())!;
        Assert.Equal("Student", set.Role);
        Assert.Equal(new Quota(5, 4, 8192, 20, 1), set.Limits);
        Assert.Equal(("admin", "admin", "projet BTS"), (set.Overrides.Single().Source, set.Overrides.Single().SetBy, set.Overrides.Single().Reason));
        Assert.Equal(new Quota(5, 4, 8192, 20, 1), mine!.Limits);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(new Quota(2, 4, 2048, 20, 1), after!.Limits);
        Assert.Empty(after.Overrides);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
        var audit = app.Service<AuditLog>().Find(new AuditQuery("admin", null, null, null, 1, 50)).Items;
        Assert.Contains(audit, entry => entry is { Action: AuditActions.SetQuota, Target: "etudiant" } && entry.Detail!.Contains("MaxVms = 5"));
        Assert.Contains(audit, entry => entry is { Action: AuditActions.RemoveQuota, Target: "etudiant" });
    }

    [Theory]
    [InlineData("""{ "maxVms": -1 }""", "maxVms")]
    [InlineData("""{ "maxCpus": 2000000 }""", "maxCpus")]
    [InlineData("""{ }""", "maxVms")]
    [InlineData("""{ "maxVms": 3, "expiresAt": "2001-01-01T00:00:00Z" }""", "expiresAt")]
    public async Task AdminOverride_BadBody_Is400NamingTheField(string json, string field)
    {
        using var app = new AccountsApp(Settings);
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1");

        var response = await admin.PutAsync("/api/admin/users/etudiant/quota", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task AdminOverride_WithoutAntiforgeryToken_Is400AndChangesNothing()
    {
        using var app = new AccountsApp(Settings);
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1");
        admin.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await admin.PutAsJsonAsync("/api/admin/users/etudiant/quota", new { maxVms = 50 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(new Quota(2, 4, 2048, 20, 1), app.Service<QuotaService>().StatusOf("etudiant", Role.Student).Limits);
    }
}
