using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>The bridge between a real WebSocket client and a loopback TCP server standing in for VNC.</summary>
public sealed class ConsoleBridgeTests(ConsoleBridgeTests.Host fixture) : IClassFixture<ConsoleBridgeTests.Host>, IDisposable
{
    public sealed class Host : IDisposable
    {
        public ConsoleTestHost Consoles { get; } = new();

        public void Dispose() => Consoles.Dispose();
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly ConsoleTestHost _host = fixture.Consoles;
    private readonly FakeVncServer _vnc = new();
    private readonly string _vmId = "vm-" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(null)]
    [InlineData("binary")]
    public async Task Bridge_LargeRandomPayloadsBothWaysAtOnce_ArriveIntact(string? subProtocol)
    {
        const int upBytes = 24 * 1024 * 1024;
        const int downBytes = 24 * 1024 * 1024;
        var up = RandomBytes(upBytes, seed: 1);
        var down = RandomBytes(downBytes, seed: 2);
        var vncReceived = new TaskCompletionSource<byte[]>();
        _vnc.Serve(async (socket, cancellationToken) =>
        {
            var send = SendChunkedAsync(socket, down, cancellationToken);
            vncReceived.SetResult(await ReceiveExactlyAsync(socket, upBytes, cancellationToken));
            await send;
            await WaitForEndAsync(socket, cancellationToken);
        });
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var socket = await _host.OpenConsoleAsync(student, _vmId, subProtocol);
        Assert.Equal(subProtocol, socket.SubProtocol);

        var sending = SendInRandomMessagesAsync(socket, up);
        var received = await ReceiveBytesAsync(socket, downBytes);
        await sending;

        Assert.Equal(SHA256.HashData(down), SHA256.HashData(received));
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(await vncReceived.Task.WaitAsync(Timeout)));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task Bridge_VncClosesRightAfterABurst_BrowserGetsEveryByteThenANormalClose()
    {
        const int burst = 16 * 1024 * 1024;
        var data = RandomBytes(burst, seed: 3);
        _vnc.Serve(async (socket, cancellationToken) =>
        {
            await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            socket.Shutdown(SocketShutdown.Both);
            socket.Close(); // the VM went away with screen data still in flight
        });
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var socket = await _host.OpenConsoleAsync(student, _vmId);

        var received = await ReceiveUntilCloseAsync(socket);

        Assert.Equal(burst, received.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, socket.State);
        await WaitUntilAsync(() => _host.Sessions.CountForVm(_vmId) == 0);
    }

    [Fact]
    public async Task CloseVm_ConsolesOfThatVm_EndWithTheReasonOthersStay()
    {
        _vnc.Serve(FakeVncServer.GreetAndEchoAsync);
        var otherVm = _vmId + "-other";
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        _host.Targets.Run(otherVm, Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var admin = await _host.LoginAsync(Admin);
        using var studentConsole = await _host.OpenConsoleAsync(student, _vmId);
        using var adminConsole = await _host.OpenConsoleAsync(admin, _vmId);
        using var otherConsole = await _host.OpenConsoleAsync(student, otherVm);
        foreach (var console in new[] { studentConsole, adminConsole, otherConsole })
        {
            Assert.Equal("RFB 003.008\n", System.Text.Encoding.ASCII.GetString(await ReceiveBytesAsync(console, 12)));
        }

        var closed = _host.Sessions.CloseVm(_vmId, "La VM a été arrêtée");

        Assert.Equal(2, closed);
        foreach (var console in new[] { studentConsole, adminConsole })
        {
            Assert.Empty(await ReceiveUntilCloseAsync(console));
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, console.CloseStatus);
            Assert.Equal("La VM a été arrêtée", console.CloseStatusDescription);
            await console.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        await WaitUntilAsync(() => _host.Sessions.CountForVm(_vmId) == 0);
        await AssertEchoesAsync(otherConsole);
        Assert.Equal(1, _host.Sessions.CountForVm(otherVm));
    }

    [Fact]
    public async Task CloseUser_ThatUsersConsoles_EndOthersStay()
    {
        _vnc.Serve(FakeVncServer.GreetAndEchoAsync);
        var secondVm = _vmId + "-2";
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        _host.Targets.Run(secondVm, Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var teacher = await _host.LoginAsync(Teacher);
        using var first = await _host.OpenConsoleAsync(student, _vmId);
        using var second = await _host.OpenConsoleAsync(student, secondVm);
        using var watching = await _host.OpenConsoleAsync(teacher, _vmId);

        var closed = _host.Sessions.CloseUser(Student, "Session terminée");

        Assert.Equal(2, closed);
        foreach (var console in new[] { first, second })
        {
            await ReceiveUntilCloseAsync(console);
            Assert.Equal("Session terminée", console.CloseStatusDescription);
        }
        await WaitUntilAsync(() => _host.Sessions.CountForUser(Student) == 0);
        Assert.Equal("RFB 003.008\n", System.Text.Encoding.ASCII.GetString(await ReceiveBytesAsync(watching, 12)));
        Assert.Equal(WebSocketState.Open, watching.State);
    }

    [Fact]
    public async Task Bridge_BrowserCloses_VncSeesTheEndAndTheSessionIsGone()
    {
        var vncSawEnd = new TaskCompletionSource();
        _vnc.Serve(async (socket, cancellationToken) =>
        {
            await WaitForEndAsync(socket, cancellationToken);
            vncSawEnd.SetResult();
        });
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var socket = await _host.OpenConsoleAsync(student, _vmId);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await vncSawEnd.Task.WaitAsync(Timeout);
        await WaitUntilAsync(() => _host.Sessions.CountForVm(_vmId) == 0);
    }

    [Fact]
    public async Task Bridge_TextFrame_ClosesWithPolicyViolation()
    {
        _vnc.Serve(FakeVncServer.GreetAndEchoAsync);
        _host.Targets.Run(_vmId, Student, _vnc.Port);
        using var student = await _host.LoginAsync(Student);
        using var socket = await _host.OpenConsoleAsync(student, _vmId);

        await socket.SendAsync("UkZC"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await ReceiveUntilCloseAsync(socket);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    public void Dispose() => _vnc.Dispose();

    internal static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static async Task AssertEchoesAsync(ClientWebSocket socket)
    {
        var probe = RandomBytes(1000, seed: 9);
        await socket.SendAsync(probe, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(probe, await ReceiveBytesAsync(socket, probe.Length));
    }

    /// <summary>Messages of 1 byte to 300 KiB: the bridge must not care where the browser cuts.</summary>
    private static async Task SendInRandomMessagesAsync(ClientWebSocket socket, byte[] data)
    {
        var random = new Random(7);
        for (var offset = 0; offset < data.Length;)
        {
            var size = Math.Min(data.Length - offset, random.Next(4) == 0 ? random.Next(1, 64) : random.Next(1, 300 * 1024));
            await socket.SendAsync(data.AsMemory(offset, size), WebSocketMessageType.Binary, true, CancellationToken.None);
            offset += size;
        }
    }

    private static async Task SendChunkedAsync(Socket socket, byte[] data, CancellationToken cancellationToken)
    {
        var random = new Random(8);
        for (var offset = 0; offset < data.Length;)
        {
            var size = Math.Min(data.Length - offset, random.Next(1, 200 * 1024));
            offset += await socket.SendAsync(data.AsMemory(offset, size), SocketFlags.None, cancellationToken);
        }
    }

    internal static async Task<byte[]> ReceiveBytesAsync(ClientWebSocket socket, int count)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var data = new byte[count];
        var read = 0;
        while (read < count)
        {
            var result = await socket.ReceiveAsync(data.AsMemory(read), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            read += result.Count;
        }
        return data;
    }

    internal static async Task<byte[]> ReceiveUntilCloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var data = new MemoryStream();
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return data.ToArray();
            }
            data.Write(buffer, 0, result.Count);
        }
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var data = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = await socket.ReceiveAsync(data.AsMemory(read), SocketFlags.None, cancellationToken);
            Assert.True(n > 0, $"VNC side: the stream ended after {read} of {count} bytes");
            read += n;
        }
        return data;
    }

    internal static async Task WaitForEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is an end too.
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
