using System.Net;
using System.Net.Http.Json;
using VmManager.Daemon.Accounts;

using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

public sealed class AuditLogTests
{
    [Fact]
    public async Task Sessions_LoginFailureAndLogout_AreRecordedWithTheClientAddress()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.10");
        await client.LoginAsync("etudiant", "wrong");
        await client.LoginAsync("etudiant", "Etudiant-Demo1");
        await client.AddAntiforgeryTokenAsync();
        await client.DeleteAsync("/api/session");

        var entries = app.Service<AuditLog>().Find(new AuditQuery("etudiant", null, null, null, 1, 50)).Items;

        Assert.Equal(
            [(AuditActions.Logout, AuditOutcomes.Success), (AuditActions.Login, AuditOutcomes.Success), (AuditActions.Login, AuditOutcomes.Failure)],
            entries.Select(entry => (entry.Action, entry.Outcome)));
        Assert.All(entries, entry => Assert.Equal("192.0.2.10", entry.ClientAddress));
    }

    [Fact]
    public async Task Find_FiltersAndPages_NewestFirst()
    {
        var clock = new Support.ManualClock();
        using var app = new AccountsApp(clock: clock);
        var audit = app.Service<AuditLog>();
        var start = clock.GetUtcNow();
        for (var i = 0; i < 7; i++)
        {
            audit.Record(i % 2 == 0 ? "alice" : "bob", i < 5 ? "vm.start" : "vm.stop", $"vm-{i}", AuditOutcomes.Success, null, null);
            clock.Advance(TimeSpan.FromMinutes(1));
        }
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1");

        var alice = await admin.GetFromJsonAsync<AuditPage>("/api/admin/audit?actor=ALICE&action=vm.start&pageSize=2");
        var secondPage = await admin.GetFromJsonAsync<AuditPage>("/api/admin/audit?actor=alice&action=vm.start&pageSize=2&page=2");
        var window = await admin.GetFromJsonAsync<AuditPage>(
            $"/api/admin/audit?action=vm.start&from={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}&to={Uri.EscapeDataString(start.AddMinutes(3).ToString("O"))}");

        Assert.Equal(3, alice!.Total);
        Assert.Equal(["vm-4", "vm-2"], alice.Items.Select(entry => entry.Target));
        Assert.Equal(["vm-0"], secondPage!.Items.Select(entry => entry.Target));
        Assert.Equal(["vm-2", "vm-1"], window!.Items.Select(entry => entry.Target));
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("page=-1", "page")]
    [InlineData("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    public async Task Find_BadQuery_Is400NamingTheField(string query, string field)
    {
        using var app = new AccountsApp();
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1");

        var response = await admin.GetAsync($"/api/admin/audit?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }
}
