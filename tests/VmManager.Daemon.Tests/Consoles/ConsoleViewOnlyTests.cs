using System.Net.Sockets;
using System.Net.WebSockets;
using static VmManager.Daemon.Tests.Consoles.ConsoleBridgeTests;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;
using static VmManager.Daemon.Tests.Consoles.RfbMessages;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>What reaches the VM from a teacher's view-only console, whatever the browser sends.</summary>
public sealed class ConsoleViewOnlyTests(ConsoleViewOnlyTests.Host fixture) : IClassFixture<ConsoleViewOnlyTests.Host>, IDisposable
{
    public sealed class Host : IDisposable
    {
        public ConsoleTestHost Consoles { get; } = new();

        public void Dispose() => Consoles.Dispose();
    }

    private static readonly byte[] Hostile = [.. Handshake, .. SetEncodings(0, -258), .. Key(true), .. Key(false), .. Pointer,
        .. CutText("shutdown -h now\n"), .. XvpReboot, .. SetDesktopSize, .. QemuExtendedKey, .. UpdateRequest];

    private readonly ConsoleTestHost _host = fixture.Consoles;
    private readonly FakeVncServer _vnc = new();
    private readonly string _vmId = "vm-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task TeacherConsole_InputMessages_NeverReachTheVm()
    {
        var received = RecordVnc(expected: Version38.Length + 2 + SetEncodings(0, -258).Length + UpdateRequest.Length);
        using var teacher = await _host.LoginAsync(Teacher);
        var ticket = await TicketAsync(teacher, _vmId);
        Assert.True(ticket.ViewOnly);
        var (socket, _) = await _host.ConnectAsync(ticket.WebSocketPath, teacher);
        using (socket)
        {
            Assert.NotNull(socket);
            await SendOneByOneMessagesAsync(socket, Hostile);

            byte[] viewerOnly = [.. Version38, .. SecurityNone, .. SharedClientInit, .. SetEncodings(0, -258), .. UpdateRequest];
            Assert.Equal(viewerOnly, await received.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task AdminConsole_SameBytes_AllReachTheVm()
    {
        var received = RecordVnc(expected: Hostile.Length);
        using var admin = await _host.LoginAsync(Admin);
        var ticket = await TicketAsync(admin, _vmId);
        Assert.False(ticket.ViewOnly);
        var (socket, _) = await _host.ConnectAsync(ticket.WebSocketPath, admin);
        using (socket)
        {
            Assert.NotNull(socket);
            await SendOneByOneMessagesAsync(socket, Hostile);

            Assert.Equal(Hostile, await received.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task TeacherConsole_MessageTheFilterDoesNotKnow_EndsTheSession()
    {
        _ = RecordVnc(expected: int.MaxValue);
        using var teacher = await _host.LoginAsync(Teacher);
        var ticket = await TicketAsync(teacher, _vmId);
        var (socket, _) = await _host.ConnectAsync(ticket.WebSocketPath, teacher);
        using (socket)
        {
            Assert.NotNull(socket);

            byte[] unknownMessage = [.. Handshake, 99, 0, 0, 0];
            await socket.SendAsync(unknownMessage, WebSocketMessageType.Binary, true, CancellationToken.None);
            await ReceiveUntilCloseAsync(socket);

            Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
            await WaitUntilAsync(() => _host.Sessions.CountForVm(_vmId) == 0);
        }
    }

    public void Dispose() => _vnc.Dispose();

    /// <summary>The VM is the student's; the VNC side keeps what it receives until <paramref name="expected"/> bytes arrived.</summary>
    private Task<byte[]> RecordVnc(int expected)
    {
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _vnc.Serve(async (socket, cancellationToken) =>
        {
            var data = new List<byte>();
            var buffer = new byte[4096];
            try
            {
                int count;
                while (data.Count < expected && (count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
                {
                    data.AddRange(buffer.AsSpan(0, count).ToArray());
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // The session ended.
            }
            received.TrySetResult([.. data]);
        });
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        return received.Task;
    }

    /// <summary>Each byte its own WebSocket message: the worst case for a parser that must resume anywhere.</summary>
    private static async Task SendOneByOneMessagesAsync(ClientWebSocket socket, byte[] stream)
    {
        for (var i = 0; i < stream.Length; i++)
        {
            await socket.SendAsync(stream.AsMemory(i, 1), WebSocketMessageType.Binary, true, CancellationToken.None);
        }
    }
}
