using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmManager.Daemon.Consoles;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>POST /api/consoles: who gets a ticket for which VM, and what a refusal reveals.</summary>
public sealed class ConsoleTicketTests(ConsoleTicketTests.Host fixture) : IClassFixture<ConsoleTicketTests.Host>
{
    public sealed class Host : IDisposable
    {
        public Host() => Consoles.AddStudent(OtherStudent, OtherStudentPassword);

        public ConsoleTestHost Consoles { get; } = new();

        public void Dispose() => Consoles.Dispose();
    }

    private const string OtherStudent = "eleve2";
    private const string OtherStudentPassword = "Eleve2-Test-Pw";

    private readonly ConsoleTestHost _host = fixture.Consoles;
    private readonly string _vmId = "vm-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Issue_OwnRunningVm_FullAccessSingleUseTicket()
    {
        _host.Targets.Run(_vmId, Student, 5999);
        using var student = await _host.LoginAsync(Student);

        var response = await student.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        var ticket = (await response.Content.ReadFromJsonAsync<ConsoleTicketResponse>())!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", ticket.Ticket); // 256 bits, base64url
        Assert.Equal($"/console/{_vmId}?ticket={ticket.Ticket}", ticket.WebSocketPath);
        Assert.False(ticket.ViewOnly);
        Assert.Equal(_host.Clock.GetUtcNow().AddSeconds(new ConsoleOptions().TicketLifetimeSeconds), ticket.ExpiresAt);
    }

    [Fact]
    public async Task Issue_TwoRequests_DifferentTickets()
    {
        _host.Targets.Run(_vmId, Student, 5999);
        using var student = await _host.LoginAsync(Student);

        var first = await TicketAsync(student, _vmId);
        var second = await TicketAsync(student, _vmId);

        Assert.NotEqual(first.Ticket, second.Ticket);
    }

    [Fact]
    public async Task Issue_TeacherOnAStudentsVm_ViewOnly()
    {
        _host.Targets.Run(_vmId, Student, 5999);
        using var teacher = await _host.LoginAsync(Teacher);

        Assert.True((await TicketAsync(teacher, _vmId)).ViewOnly);
    }

    [Fact]
    public async Task Issue_AdminOnAStudentsVm_FullAccess()
    {
        _host.Targets.Run(_vmId, Student, 5999);
        using var admin = await _host.LoginAsync(Admin);

        Assert.False((await TicketAsync(admin, _vmId)).ViewOnly);
    }

    [Fact]
    public async Task Issue_AnotherStudentsRunningVm_AnswersExactlyLikeAnUnknownVm()
    {
        _host.Targets.Run(_vmId, Student, 5999);
        using var other = await _host.LoginAsync(OtherStudent);

        var someoneElses = await other.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });
        var unknown = await other.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId + "-nope" });

        Assert.Equal(HttpStatusCode.NotFound, someoneElses.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(await ProblemTypeAsync(unknown), await ProblemTypeAsync(someoneElses));
    }

    [Fact]
    public async Task Issue_AnotherStudentsStoppedVm_404()
    {
        _host.Targets.Run(_vmId, Student, 5999);
        _host.Targets.Stop(_vmId);
        using var other = await _host.LoginAsync(OtherStudent);

        var response = await other.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(Student)]
    [InlineData(Teacher)]
    public async Task Issue_StoppedVmTheUserMaySee_409(string userName)
    {
        _host.Targets.Run(_vmId, Student, 5999);
        _host.Targets.Stop(_vmId);
        using var user = await _host.LoginAsync(userName);

        var response = await user.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("vm-not-running", await ProblemTypeAsync(response));
    }

    [Fact]
    public async Task Issue_NotLoggedIn_401()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.BaseAddress };

        var response = await anonymous.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("../etc", "not a VM id")]
    [InlineData("-rf", "not a VM id")]
    public async Task Issue_BadVmId_ValidationProblemNamingTheField(string? vmId, string message)
    {
        using var student = await _host.LoginAsync(Student);

        var response = await student.Http.PostAsJsonAsync("/api/consoles", new { vmId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(message, problem.RootElement.GetProperty("errors").GetProperty("vmId")[0].GetString());
    }

    [Fact]
    public async Task Issue_ManyUnusedTickets_429ThenFineOnceTheyExpire()
    {
        _host.Targets.Run(_vmId, OtherStudent, 5999);
        using var other = await _host.LoginAsync(OtherStudent);
        for (var i = 0; i < ConsoleTickets.MaxPendingPerUser; i++)
        {
            await TicketAsync(other, _vmId);
        }

        var refused = await other.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });
        _host.Clock.Advance(TimeSpan.FromSeconds(new ConsoleOptions().TicketLifetimeSeconds));
        var later = await other.Http.PostAsJsonAsync("/api/consoles", new { vmId = _vmId });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    private static async Task<string?> ProblemTypeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("type").GetString();
    }
}
