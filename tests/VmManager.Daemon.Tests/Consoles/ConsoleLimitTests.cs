using System.Net;
using System.Net.WebSockets;
using static VmManager.Daemon.Tests.Consoles.ConsoleBridgeTests;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Consoles:MaxSessionsPerUser and MaxSessionsPerVm: the extra upgrade is a 429 that never reaches VNC.</summary>
public sealed class ConsoleLimitTests : IDisposable
{
    private readonly ConsoleTestHost _host = new(new Dictionary<string, string?>
    {
        ["Consoles:MaxSessionsPerUser"] = "2",
        ["Consoles:MaxSessionsPerVm"] = "3",
    });

    private readonly FakeVncServer _vnc = new();

    public ConsoleLimitTests() => _vnc.Serve(FakeVncServer.GreetAndEchoAsync);

    [Fact]
    public async Task Upgrade_BeyondTheUsersLimit_Refused429UntilOneCloses()
    {
        _host.Targets.Run("vm-a", Student, _vnc.Port);
        _host.Targets.Run("vm-b", Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var first = await _host.OpenConsoleAsync(student, "vm-a");
        using var second = await _host.OpenConsoleAsync(student, "vm-b");
        await WaitUntilAsync(() => _vnc.Accepted == 2);

        var ticket = await TicketAsync(student, "vm-a");
        var (third, status) = await _host.ConnectAsync(ticket.WebSocketPath, student);

        Assert.Null(third);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(2, _vnc.Accepted);
        Assert.False(_vnc.Pending);

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await WaitUntilAsync(() => _host.Sessions.CountForUser(Student) == 1);
        using var replacement = await _host.OpenConsoleAsync(student, "vm-a");
        Assert.Equal("RFB 003.008\n"u8.ToArray(), await ReceiveBytesAsync(replacement, 12));
        await AssertEchoesAsync(replacement);
    }

    [Fact]
    public async Task Upgrade_BeyondTheVmsLimit_Refused429()
    {
        _host.Targets.Run("vm-a", Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var teacher = await _host.LoginAsync(Teacher);
        using var admin = await _host.LoginAsync(Admin);
        using var one = await _host.OpenConsoleAsync(student, "vm-a");
        using var two = await _host.OpenConsoleAsync(student, "vm-a");
        using var three = await _host.OpenConsoleAsync(teacher, "vm-a");
        await WaitUntilAsync(() => _vnc.Accepted == 3);

        var ticket = await TicketAsync(admin, "vm-a");
        var (fourth, status) = await _host.ConnectAsync(ticket.WebSocketPath, admin);

        Assert.Null(fourth);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(3, _host.Sessions.CountForVm("vm-a"));
        Assert.Equal(3, _vnc.Accepted);
        Assert.False(_vnc.Pending);
    }

    [Fact]
    public async Task Upgrade_ParallelRequestsAtTheLimit_NeverOvershoot()
    {
        _host.Targets.Run("vm-a", Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        var tickets = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => TicketAsync(student, "vm-a")));

        var attempts = await Task.WhenAll(tickets.Select(ticket => _host.ConnectAsync(ticket.WebSocketPath, student)));

        Assert.Equal(2, attempts.Count(attempt => attempt.Socket is not null));
        Assert.All(attempts.Where(attempt => attempt.Socket is null), attempt => Assert.Equal(HttpStatusCode.TooManyRequests, attempt.Status));
        Assert.Equal(2, _host.Sessions.CountForUser(Student));
        foreach (var (socket, _) in attempts)
        {
            socket?.Dispose();
        }
    }

    public void Dispose()
    {
        _host.Dispose();
        _vnc.Dispose();
    }
}
