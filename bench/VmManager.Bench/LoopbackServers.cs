using System.Net;
using System.Net.Sockets;

namespace VmManager.Bench;

/// <summary>
/// The far end of every measured path, in its own process: <c>source</c> sends the payload (the VNC→browser
/// direction) and, like a VNC server, never closes first; <c>sink</c> reads the payload and answers one
/// byte; <c>idle</c> sends an RFB greeting and holds the connection (an idle console).
/// </summary>
public static class LoopbackServers
{
    public static async Task<int> RunAsync(long payloadBytes)
    {
        var chunk = new byte[1024 * 1024];
        Array.Fill(chunk, (byte)0xa5);
        var source = Listen();
        var sink = Listen();
        var idle = Listen();
        _ = AcceptLoopAsync(source, socket => SourceAsync(socket, chunk, payloadBytes));
        _ = AcceptLoopAsync(sink, socket => SinkAsync(socket, payloadBytes));
        _ = AcceptLoopAsync(idle, IdleAsync);
        Console.WriteLine($"READY {Port(source)} {Port(sink)} {Port(idle)}");
        // The parent ends us by closing our stdin.
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(512);
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static async Task AcceptLoopAsync(Socket listener, Func<Socket, Task> handle)
    {
        while (true)
        {
            var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    try
                    {
                        await handle(socket);
                    }
                    catch (SocketException)
                    {
                        // The client went away: nothing to measure here.
                    }
                }
            });
        }
    }

    private static async Task SourceAsync(Socket socket, byte[] chunk, long payloadBytes)
    {
        for (var left = payloadBytes; left > 0;)
        {
            var count = (int)Math.Min(left, chunk.Length);
            left -= await socket.SendAsync(chunk.AsMemory(0, count), SocketFlags.None);
        }
        await DrainAsync(socket);
    }

    private static async Task SinkAsync(Socket socket, long payloadBytes)
    {
        var buffer = new byte[1024 * 1024];
        long received = 0;
        while (received < payloadBytes)
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (count == 0)
            {
                return;
            }
            received += count;
        }
        await socket.SendAsync(new byte[] { (byte)'K' }, SocketFlags.None);
        await DrainAsync(socket);
    }

    private static async Task IdleAsync(Socket socket)
    {
        await socket.SendAsync("RFB 003.008\n"u8.ToArray(), SocketFlags.None);
        await DrainAsync(socket);
    }

    private static async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[65536];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
        {
        }
    }
}
