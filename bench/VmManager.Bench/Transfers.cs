using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace VmManager.Bench;

/// <summary>One way to reach the loopback servers: plain TCP, the daemon's bridge, or websockify.</summary>
public abstract class TransferPath(string name)
{
    public const int ReceiveBufferBytes = 256 * 1024;
    public const int SendMessageBytes = 64 * 1024;

    private static readonly byte[] Payload = CreatePayload();

    public string Name { get; } = name;

    /// <summary>The processes between client and server (none for direct TCP), whose CPU time is reported.</summary>
    public List<int> Relays { get; } = [];

    /// <summary>MB/s (10^6 B/s) for <paramref name="bytes"/> from the source server to this client.</summary>
    public abstract Task<double> DownAsync(long bytes);

    /// <summary>MB/s for <paramref name="bytes"/> from this client to the sink server (until its one-byte answer).</summary>
    public abstract Task<double> UpAsync(long bytes);

    protected static double Rate(long bytes, Stopwatch watch) => bytes / watch.Elapsed.TotalSeconds / 1e6;

    protected static async Task<double> DownOverWebSocketAsync(Func<Task<ClientWebSocket>> connect, long bytes)
    {
        var buffer = new byte[ReceiveBufferBytes];
        var watch = Stopwatch.StartNew();
        using var socket = await connect();
        long received = 0;
        while (received < bytes)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
            received += result.Count;
        }
        watch.Stop();
        await CloseAsync(socket);
        return received == bytes ? Rate(bytes, watch) : throw new InvalidDataException($"down: {received} of {bytes} bytes arrived");
    }

    protected static async Task<double> UpOverWebSocketAsync(Func<Task<ClientWebSocket>> connect, long bytes)
    {
        var answer = new byte[16];
        var watch = Stopwatch.StartNew();
        using var socket = await connect();
        for (long sent = 0; sent < bytes;)
        {
            var count = (int)Math.Min(SendMessageBytes, bytes - sent);
            await socket.SendAsync(Payload.AsMemory(0, count), WebSocketMessageType.Binary, true, CancellationToken.None);
            sent += count;
        }
        var result = await socket.ReceiveAsync(answer.AsMemory(), CancellationToken.None);
        watch.Stop();
        await CloseAsync(socket);
        return result.Count == 1 ? Rate(bytes, watch) : throw new InvalidDataException("up: the sink did not acknowledge");
    }

    protected static async Task<ClientWebSocket> ConnectWebSocketAsync(Uri uri, string? cookie, string? origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("binary");
        if (cookie is not null)
        {
            socket.Options.SetRequestHeader("Cookie", cookie);
        }
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    private static async Task CloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Only the measurement matters here.
        }
    }

    protected static byte[] SendPayload => Payload;

    private static byte[] CreatePayload()
    {
        var payload = new byte[SendMessageBytes];
        new Random(1).NextBytes(payload);
        return payload;
    }
}

/// <summary>Plain TCP to the servers: straight (the ceiling), or through a plain TCP relay (the ceiling of any relay).</summary>
public sealed class DirectTcpPath(int sourcePort, int sinkPort, string name = "direct TCP") : TransferPath(name)
{
    public override async Task<double> DownAsync(long bytes)
    {
        var buffer = new byte[ReceiveBufferBytes];
        var watch = Stopwatch.StartNew();
        using var socket = await ConnectAsync(sourcePort);
        long received = 0;
        int count;
        while (received < bytes && (count = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            received += count;
        }
        watch.Stop();
        return received == bytes ? Rate(bytes, watch) : throw new InvalidDataException($"down: {received} of {bytes} bytes arrived");
    }

    public override async Task<double> UpAsync(long bytes)
    {
        var answer = new byte[16];
        var watch = Stopwatch.StartNew();
        using var socket = await ConnectAsync(sinkPort);
        for (long sent = 0; sent < bytes;)
        {
            sent += await socket.SendAsync(SendPayload.AsMemory(0, (int)Math.Min(SendMessageBytes, bytes - sent)), SocketFlags.None);
        }
        var count = await socket.ReceiveAsync(answer, SocketFlags.None);
        watch.Stop();
        return count == 1 ? Rate(bytes, watch) : throw new InvalidDataException("up: the sink did not acknowledge");
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        return socket;
    }
}

/// <summary>The daemon's console path: ticket (not timed), then WebSocket upgrade with cookie and Origin, then the bridge.</summary>
public sealed class BridgePath(Uri daemon, HttpClient session, string cookie) : TransferPath("vm-manager bridge")
{
    public static async Task<(HttpClient Session, string Cookie)> LoginAsync(Uri daemon)
    {
        var cookies = new System.Net.CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = daemon };
        var response = await http.PostAsJsonAsync("/api/session", new { userName = BridgeHost.Owner, password = BridgeHost.Password });
        response.EnsureSuccessStatusCode();
        // POST /api/consoles needs the antiforgery token, as for the UI.
        var antiforgery = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/session/antiforgery");
        http.DefaultRequestHeaders.Add("X-CSRF-TOKEN", antiforgery.GetProperty("token").GetString());
        return (http, cookies.GetCookieHeader(daemon));
    }

    public async Task<Func<Task<ClientWebSocket>>> TicketedAsync(string vmId)
    {
        var response = await session.PostAsJsonAsync("/api/consoles", new { vmId });
        response.EnsureSuccessStatusCode();
        var ticket = (await response.Content.ReadFromJsonAsync<TicketBody>())!;
        var uri = new UriBuilder(new Uri(daemon, ticket.WebSocketPath)) { Scheme = "ws" }.Uri;
        return () => ConnectWebSocketAsync(uri, cookie, daemon.GetLeftPart(UriPartial.Authority));
    }

    public override async Task<double> DownAsync(long bytes) => await DownOverWebSocketAsync(await TicketedAsync("source"), bytes);

    public override async Task<double> UpAsync(long bytes) => await UpOverWebSocketAsync(await TicketedAsync("sink"), bytes);

    private sealed record TicketBody(string WebSocketPath);
}

public sealed class WebsockifyPath(int sourcePort, int sinkPort) : TransferPath("websockify")
{
    public override Task<double> DownAsync(long bytes) =>
        DownOverWebSocketAsync(() => ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{sourcePort}/"), null, null), bytes);

    public override Task<double> UpAsync(long bytes) =>
        UpOverWebSocketAsync(() => ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{sinkPort}/"), null, null), bytes);
}
