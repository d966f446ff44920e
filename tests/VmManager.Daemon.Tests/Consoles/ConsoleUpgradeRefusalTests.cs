using System.Net;
using VmManager.Daemon.Consoles;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>
/// Every refused upgrade is a plain HTTP answer before the WebSocket exists, and the VM's VNC port
/// never sees a connection: each test's VNC port is a listener nobody accepts on, so a connection
/// attempt would stay queued there.
/// </summary>
public sealed class ConsoleUpgradeRefusalTests(ConsoleUpgradeRefusalTests.Host fixture) : IClassFixture<ConsoleUpgradeRefusalTests.Host>, IDisposable
{
    public sealed class Host : IDisposable
    {
        public ConsoleTestHost Consoles { get; } = new();

        public void Dispose() => Consoles.Dispose();
    }

    private readonly ConsoleTestHost _host = fixture.Consoles;
    private readonly FakeVncServer _vnc = new();
    private readonly string _vmId = "vm-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Upgrade_ValidTicketCookieAndOrigin_ReachesTheVncPort()
    {
        // The control for every refusal below: the same steps, nothing wrong, do connect.
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        var (socket, status) = await _host.ConnectAsync(ticket.WebSocketPath, student);

        using (socket)
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
            Assert.True(_vnc.ConnectionAttempted);
        }
    }

    [Fact]
    public async Task Upgrade_NoTicket_Refused400()
    {
        using var student = await StudentWithRunningVmAsync();

        await AssertRefusedAsync(HttpStatusCode.BadRequest, $"/console/{_vmId}", student);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21%21")]
    [InlineData("x")]
    public async Task Upgrade_MadeUpTicket_Refused404(string ticket)
    {
        using var student = await StudentWithRunningVmAsync();

        await AssertRefusedAsync(HttpStatusCode.NotFound, $"/console/{_vmId}?ticket={ticket}", student);
    }

    [Fact]
    public async Task Upgrade_ReusedTicket_Refused404()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);
        var (first, _) = await _host.ConnectAsync(ticket.WebSocketPath, student);
        Assert.NotNull(first);
        first.Abort();
        first.Dispose();
        _vnc.Serve(FakeVncServer.GreetAndEchoAsync);
        await WaitUntilAsync(() => _vnc.Accepted == 1);

        var (second, status) = await _host.ConnectAsync(ticket.WebSocketPath, student);

        Assert.Null(second);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(1, _vnc.Accepted);
        Assert.False(_vnc.Pending);
    }

    [Fact]
    public async Task Upgrade_ExpiredTicket_Refused410()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        _host.Clock.Advance(TimeSpan.FromSeconds(new ConsoleOptions().TicketLifetimeSeconds + 1));

        await AssertRefusedAsync(HttpStatusCode.Gone, ticket.WebSocketPath, student);
    }

    [Fact]
    public async Task Upgrade_AnotherUsersTicket_Refused403()
    {
        using var student = await StudentWithRunningVmAsync();
        using var teacher = await _host.LoginAsync(Teacher);
        var ticket = await TicketAsync(student, _vmId);

        await AssertRefusedAsync(HttpStatusCode.Forbidden, ticket.WebSocketPath, teacher);
    }

    [Fact]
    public async Task Upgrade_TicketOfAnotherVm_Refused404()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);
        _host.Targets.Run(_vmId + "-b", Student, _vnc.Port);

        await AssertRefusedAsync(HttpStatusCode.NotFound, ticket.WebSocketPath.Replace(_vmId, _vmId + "-b", StringComparison.Ordinal), student);
    }

    [Fact]
    public async Task Upgrade_VmStoppedSinceIssue_Refused409()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        _host.Targets.Stop(_vmId);

        await AssertRefusedAsync(HttpStatusCode.Conflict, ticket.WebSocketPath, student);
    }

    [Fact]
    public async Task Upgrade_VmRestartedOnAnotherVncPortSinceIssue_Refused409()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);
        using var newPort = new FakeVncServer();

        _host.Targets.Run(_vmId, Student, newPort.Port);

        await AssertRefusedAsync(HttpStatusCode.Conflict, ticket.WebSocketPath, student);
        Assert.False(newPort.ConnectionAttempted);
    }

    [Fact]
    public async Task Upgrade_WrongOrigin_Refused403()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        await AssertRefusedAsync(HttpStatusCode.Forbidden, ticket.WebSocketPath, student, origin: "https://evil.example");
    }

    [Fact]
    public async Task Upgrade_NoOrigin_Refused403()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        await AssertRefusedAsync(HttpStatusCode.Forbidden, ticket.WebSocketPath, student, origin: null);
    }

    [Fact]
    public async Task Upgrade_NoSessionCookie_Refused401()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        await AssertRefusedAsync(HttpStatusCode.Unauthorized, ticket.WebSocketPath, user: null);
    }

    [Fact]
    public async Task Upgrade_PlainGetWithTicket_Refused400WithoutSpendingTheTicket()
    {
        using var student = await StudentWithRunningVmAsync();
        var ticket = await TicketAsync(student, _vmId);

        var response = await student.Http.GetAsync(ticket.WebSocketPath);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(_vnc.ConnectionAttempted);
        var (socket, status) = await _host.ConnectAsync(ticket.WebSocketPath, student);
        using (socket)
        {
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        }
    }

    public void Dispose() => _vnc.Dispose();

    private async Task<ConsoleUser> StudentWithRunningVmAsync()
    {
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        return await _host.LoginAsync(Student);
    }

    private async Task AssertRefusedAsync(HttpStatusCode expected, string path, ConsoleUser? user, string? origin = "")
    {
        var (socket, status) = await _host.ConnectAsync(path, user, origin);

        Assert.Null(socket);
        Assert.Equal(expected, status);
        // Kestrel answered the HTTP request; any connection the daemon had opened would be queued by now.
        Assert.False(_vnc.ConnectionAttempted, "a refused upgrade connected to the VNC port");
        Assert.Equal(0, _host.Sessions.CountForVm(_vmId));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}
