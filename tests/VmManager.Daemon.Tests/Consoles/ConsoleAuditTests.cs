using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using VmManager.Daemon.Accounts;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Consoles in the audit log (who, which VM, view-only or control, how long) and the antiforgery token on tickets.</summary>
public sealed class ConsoleAuditTests : IDisposable
{
    private readonly ConsoleTestHost _host = new();
    private readonly FakeVncServer _vnc = new();
    private readonly string _vmId = "vm-" + Guid.NewGuid().ToString("N")[..8];

    public ConsoleAuditTests()
    {
        _vnc.Serve(FakeVncServer.GreetAndEchoAsync);
        _host.Targets.Run(_vmId, Student, _vnc.Port);
    }

    [Fact]
    public async Task Console_IssuedOpenedAndClosedByATeacher_AuditedWithModeAndDuration()
    {
        using var teacher = await _host.LoginAsync(Teacher);
        var ticket = await TicketAsync(teacher, _vmId);
        var (socket, _) = await _host.ConnectAsync(ticket.WebSocketPath, teacher);
        Assert.NotNull(socket);
        using (socket)
        {
            _host.Clock.Advance(TimeSpan.FromSeconds(42));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        using var admin = await _host.LoginAsync(Admin);

        var issued = await EntryAsync(admin, AuditActions.ConsoleIssue);
        var opened = await EntryAsync(admin, AuditActions.ConsoleOpen);
        var closed = await EntryAsync(admin, AuditActions.ConsoleClose);

        Assert.All([issued, opened, closed], entry => Assert.Equal((Teacher, AuditOutcomes.Success), (entry.Actor, entry.Outcome)));
        Assert.Equal("view-only", issued.Detail);
        Assert.Equal("view-only", opened.Detail);
        Assert.Equal("view-only, 42 s", closed.Detail);
        Assert.DoesNotContain(ticket.Ticket, string.Join(" ", issued.Detail, opened.Detail, closed.Detail));
    }

    [Fact]
    public async Task Issue_WithoutAntiforgeryToken_400AndNoTicket()
    {
        using var student = await _host.LoginAsync(Student);
        student.Http.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await student.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("antiforgery-token-invalid", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _host.Service<VmManager.Daemon.Consoles.ConsoleTickets>().PendingCount);
    }

    public void Dispose()
    {
        _host.Dispose();
        _vnc.Dispose();
    }

    /// <summary>The VM's one entry for the action; the close is written once the bridge ended, so it may take a moment.</summary>
    private async Task<AuditEntry> EntryAsync(ConsoleUser admin, string action)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var page = await admin.Http.GetFromJsonAsync<AuditPage>($"/api/admin/audit?action={action}");
            var entries = page!.Items.Where(entry => entry.Target == _vmId).ToList();
            if (entries.Count > 0 || DateTime.UtcNow > deadline)
            {
                return Assert.Single(entries);
            }
            await Task.Delay(100);
        }
    }
}
