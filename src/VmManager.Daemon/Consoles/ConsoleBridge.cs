using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Consoles;

/// <summary>
/// Copies bytes between an accepted WebSocket and the VM's VNC socket until either side ends, then
/// closes both in an order that loses nothing: the remaining VNC bytes are sent before our Close
/// frame, and the socket is only aborted once the browser answered it (or did not, in time).
/// Cancelling a pending WebSocket receive aborts the connection, so that is always the last resort.
/// Kept instead of YARP 2.3, which forwards only to WebSocket backends: through QEMU's websocket listener it closes
/// idle consoles after its 100 s activity timeout, cannot ping, loses close reasons and cannot enforce view-only.
/// </summary>
public sealed partial class ConsoleBridge(ConsoleSessions sessions, IOptions<ConsoleOptions> options, TimeProvider time, ILogger<ConsoleBridge> logger)
{
    /// <summary>How long each side gets to finish its part of the close handshake.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>RFC 6455: a close reason is at most 123 bytes of UTF-8.</summary>
    private const int MaxCloseReasonBytes = 123;

    /// <summary>How long the browser gets for its part of the RFB handshake when the bridge plays the server.</summary>
    private static readonly TimeSpan GreetingTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs a console until either side ends it. With <paramref name="greetBrowser"/> the bridge already
    /// authenticated to the VNC server (which now waits for ClientInit) and plays the server's handshake towards
    /// the browser itself, offering security type None: the browser never learns the VM's VNC password.
    /// </summary>
    public async Task RunAsync(WebSocket webSocket, Socket vnc, ConsoleSession session, bool greetBrowser = false)
    {
        var bufferBytes = options.Value.BufferBytes;
        var filter = session.ViewOnly ? new RfbViewOnlyFilter() : null;
        using var stopDown = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();
        Task<long> up = Task.FromResult(0L), down = Task.FromResult(0L);
        var reason = "";
        try
        {
            if (greetBrowser && await GreetBrowserAsync(webSocket, vnc, filter) is { } refused)
            {
                reason = refused;
                await CloseOutputAsync(webSocket, WebSocketCloseStatus.PolicyViolation, refused);
                return;
            }
            up = PumpUpAsync(webSocket, vnc, filter, bufferBytes, abort.Token);
            down = PumpDownAsync(webSocket, vnc, bufferBytes, stopDown.Token);
            var first = await Task.WhenAny(up, down, session.CloseRequested);
            if (first == down)
            {
                // VNC closed (the VM stopped) or failed: everything it sent has been sent on; say goodbye.
                reason = await ClosedReasonAsync(down, "console closed");
                await CloseOutputAsync(webSocket, WebSocketCloseStatus.NormalClosure, "The console closed");
            }
            else if (first == up)
            {
                // The browser closed (or vanished): no one wants the rest of the screen updates.
                reason = await ClosedReasonAsync(up, "browser closed");
                ShutdownSend(vnc);
                if (await StopAsync(down, stopDown))
                {
                    var violation = up.Exception?.InnerException is ConsoleProtocolException;
                    await CloseOutputAsync(webSocket, violation ? WebSocketCloseStatus.PolicyViolation : WebSocketCloseStatus.NormalClosure,
                        violation ? reason : "");
                }
            }
            else
            {
                reason = await session.CloseRequested;
                ShutdownSend(vnc);
                // The down pump must be idle before our Close frame: a WebSocket allows one sender at a time.
                if (await StopAsync(down, stopDown))
                {
                    await CloseOutputAsync(webSocket, WebSocketCloseStatus.EndpointUnavailable, reason);
                }
            }
            await WaitForPeerCloseAsync(webSocket, up);
        }
        finally
        {
            await abort.CancelAsync();
            await stopDown.CancelAsync();
            if (webSocket.State != WebSocketState.Closed)
            {
                webSocket.Abort();
            }
            vnc.Dispose();
            var (sent, received) = (await Quietly(down), await Quietly(up));
            sessions.Remove(session);
            LogClosed(session.VmId, session.UserName, session.ViewOnly, reason, received, sent, filter?.Dropped ?? 0,
                (time.GetUtcNow() - session.StartedAt).TotalSeconds);
        }
    }

    /// <summary>
    /// The server's side of the RFB 3.8 (or 3.7) handshake up to SecurityResult, with security type None; what
    /// the browser sends passes through the view-only filter as if it went to the VNC server, so the filter
    /// checks it and tracks where the stream is. Returns null on success, else why the console ends.
    /// </summary>
    private async Task<string?> GreetBrowserAsync(WebSocket webSocket, Socket vnc, RfbViewOnlyFilter? filter)
    {
        const int VersionBytes = 12;
        using var timeout = new CancellationTokenSource(GreetingTimeout, time);
        var received = new byte[256];
        var length = 0;
        async Task<bool> FillAsync(int count)
        {
            while (length < count)
            {
                var result = await webSocket.ReceiveAsync(received.AsMemory(length), timeout.Token);
                if (result.MessageType != WebSocketMessageType.Binary)
                {
                    return false;
                }
                length += result.Count;
            }
            return true;
        }

        try
        {
            await webSocket.SendAsync("RFB 003.008\n"u8.ToArray(), WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
            if (!await FillAsync(VersionBytes))
            {
                return "browser closed during the handshake";
            }
            var version = received.AsSpan(0, VersionBytes);
            var legacy = version.SequenceEqual("RFB 003.007\n"u8);
            if (!legacy && !version.SequenceEqual("RFB 003.008\n"u8))
            {
                return "the browser does not speak RFB 3.7 or 3.8";
            }
            await webSocket.SendAsync(new byte[] { 1, 1 }, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
            if (!await FillAsync(VersionBytes + 1))
            {
                return "browser closed during the handshake";
            }
            if (received[VersionBytes] != 1)
            {
                return "the browser chose a security type that was not offered";
            }
            if (!legacy)
            {
                await webSocket.SendAsync(new byte[4], WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
            }
            // Anything the browser sent beyond its security type (its ClientInit, at most) is the VNC server's.
            var handshake = received.AsSpan(0, length);
            var forward = filter is null ? length : filter.Filter(handshake);
            if (forward < 0)
            {
                return "the browser sent something a view-only console may not send";
            }
            var rest = filter is null ? handshake[(VersionBytes + 1)..] : handshake[..forward][(VersionBytes + 1)..];
            if (!rest.IsEmpty)
            {
                await SendAllAsync(vnc, rest.ToArray(), timeout.Token);
            }
            return null;
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return $"handshake failed ({ex.GetType().Name})";
        }
    }

    /// <summary>
    /// Browser → VNC. Returns the bytes forwarded; ends at the browser's Close frame. Like the other
    /// direction, the next WebSocket read runs while the previous chunk is written to VNC.
    /// </summary>
    private static async Task<long> PumpUpAsync(WebSocket webSocket, Socket vnc, RfbViewOnlyFilter? filter, int bufferBytes, CancellationToken abort)
    {
        var current = ArrayPool<byte>.Shared.Rent(bufferBytes);
        var next = ArrayPool<byte>.Shared.Rent(bufferBytes);
        var writing = default(ValueTask<int>); // a finished write of 0 bytes
        var vncOpen = true;
        long total = 0;
        try
        {
            while (true)
            {
                var received = await webSocket.ReceiveAsync(current.AsMemory(), abort);
                try
                {
                    total += await writing;
                }
                catch (SocketException)
                {
                    // VNC is gone; keep reading until the browser's Close so the close stays clean.
                    vncOpen = false;
                }
                writing = default;
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return total;
                }
                if (received.MessageType == WebSocketMessageType.Text)
                {
                    throw new ConsoleProtocolException("text frames are not RFB");
                }
                var count = filter is null ? received.Count : filter.Filter(current.AsSpan(0, received.Count));
                if (count < 0)
                {
                    throw new ConsoleProtocolException("a view-only client sent a message outside the RFB subset it may send");
                }
                if (count > 0 && vncOpen)
                {
                    writing = SendAllAsync(vnc, current.AsMemory(0, count), abort);
                    (current, next) = (next, current);
                }
            }
        }
        finally
        {
            // The kernel may still be reading the buffer of an unfinished write: wait before returning it.
            try
            {
                await writing;
            }
            catch (Exception ex) when (IsExpected(ex))
            {
                // Reported by the read side or irrelevant once the session ends.
            }
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    /// <summary>
    /// VNC → browser. Returns the bytes sent; ends when VNC closes or the pump is stopped. Two buffers:
    /// the next read from VNC runs while the previous chunk is being sent, which costs less CPU per byte
    /// than strictly alternating (bench/README.md).
    /// </summary>
    private static async Task<long> PumpDownAsync(WebSocket webSocket, Socket vnc, int bufferBytes, CancellationToken stop)
    {
        var current = ArrayPool<byte>.Shared.Rent(bufferBytes);
        var next = ArrayPool<byte>.Shared.Rent(bufferBytes);
        long total = 0;
        try
        {
            var count = await vnc.ReceiveAsync(current.AsMemory(), SocketFlags.None, stop);
            while (count > 0)
            {
                // Never cancelled: cancelling a WebSocket send aborts the socket and loses what was queued.
                var sending = webSocket.SendAsync(current.AsMemory(0, count), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                int nextCount;
                try
                {
                    nextCount = await vnc.ReceiveAsync(next.AsMemory(), SocketFlags.None, stop);
                }
                finally
                {
                    // Also when the read was stopped: the caller's Close frame must not overlap this send.
                    await sending;
                }
                total += count;
                (current, next, count) = (next, current, nextCount);
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    /// <summary>Pooled builder: one write per message must not allocate.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var length = data.Length;
        while (!data.IsEmpty)
        {
            data = data[await socket.SendAsync(data, SocketFlags.None, cancellationToken)..];
        }
        return length;
    }

    /// <summary>Stops the down pump between two sends; false when it stays stuck in a send (a browser that stopped reading).</summary>
    private async Task<bool> StopAsync(Task<long> down, CancellationTokenSource stopDown)
    {
        await stopDown.CancelAsync();
        await Task.WhenAny(down, Task.Delay(CloseTimeout, time));
        return down.IsCompleted;
    }

    private async Task CloseOutputAsync(WebSocket webSocket, WebSocketCloseStatus status, string reason)
    {
        if (webSocket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }
        using var timeout = new CancellationTokenSource(CloseTimeout, time);
        try
        {
            await webSocket.CloseOutputAsync(status, Truncate(reason), timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The browser is gone; the finally block aborts what is left.
        }
    }

    /// <summary>
    /// Waits (bounded) for the browser's Close frame so that the connection ends with a clean handshake:
    /// closing the TCP connection earlier can turn into a reset that destroys data the browser has not read yet.
    /// </summary>
    private async Task WaitForPeerCloseAsync(WebSocket webSocket, Task<long> up)
    {
        if (!up.IsCompleted)
        {
            await Task.WhenAny(up, Task.Delay(CloseTimeout, time));
            return;
        }
        if (webSocket.State != WebSocketState.CloseSent)
        {
            return;
        }
        // The up pump already ended (a refused message): read and discard until the Close arrives.
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        using var timeout = new CancellationTokenSource(CloseTimeout, time);
        try
        {
            while ((await webSocket.ReceiveAsync(buffer.AsMemory(), timeout.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            // Gone or too slow: the finally block aborts.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ShutdownSend(Socket vnc)
    {
        try
        {
            vnc.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the VNC server.
        }
    }

    private static async Task<string> ClosedReasonAsync(Task<long> pump, string normal)
    {
        try
        {
            await pump;
            return normal;
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return ex is ConsoleProtocolException ? ex.Message : $"{normal} ({ex.GetType().Name})";
        }
    }

    private static async Task<long> Quietly(Task<long> pump)
    {
        try
        {
            return await pump;
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return 0;
        }
    }

    private static bool IsExpected(Exception ex) =>
        ex is WebSocketException or SocketException or OperationCanceledException or IOException or ObjectDisposedException or ConsoleProtocolException;

    private static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes)
        {
            return reason;
        }
        var end = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > MaxCloseReasonBytes - 3)
        {
            end--;
        }
        if (end > 0 && char.IsHighSurrogate(reason[end - 1]))
        {
            end--;
        }
        return string.Concat(reason.AsSpan(0, end), "...");
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Console of {VmId} for {User} closed ({Reason}); viewOnly={ViewOnly}, {BytesUp} B up, {BytesDown} B down, {Dropped} input messages dropped, {Seconds:F0} s")]
    private partial void LogClosed(string vmId, string user, bool viewOnly, string reason, long bytesUp, long bytesDown, long dropped, double seconds);
}

/// <summary>The browser sent something a console must not forward; the session ends.</summary>
public sealed class ConsoleProtocolException(string message) : Exception(message);
