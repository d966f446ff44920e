using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Just enough of an RFB 3.8 viewer (security None, raw encoding) to fetch a real VM's screen through a console WebSocket.</summary>
public sealed class RfbClient(ClientWebSocket socket)
{
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    public int Width { get; private set; }

    public int Height { get; private set; }

    public string DesktopName { get; private set; } = "";

    public async Task HandshakeAsync()
    {
        var version = Encoding.ASCII.GetString(await ReadAsync(12));
        Assert.StartsWith("RFB 003.", version);
        await SendAsync("RFB 003.008\n"u8.ToArray());
        var types = await ReadAsync((await ReadAsync(1))[0]);
        Assert.Contains((byte)1, types);
        await SendAsync([1]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(await ReadAsync(4)));
        await SendAsync([1]); // ClientInit, shared
        var init = await ReadAsync(24);
        Width = BinaryPrimitives.ReadUInt16BigEndian(init);
        Height = BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2));
        DesktopName = Encoding.UTF8.GetString(await ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20))));
        // 32 bits per pixel, true colour, little-endian, 8 bits per channel; raw encoding only.
        await SendAsync([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
        await SendAsync([2, 0, 0, 1, 0, 0, 0, 0]);
    }

    /// <summary>The whole screen, as 0x00RRGGBB values.</summary>
    public async Task<uint[]> ScreenAsync()
    {
        var pixels = new uint[Width * Height];
        await SendAsync([3, 0, 0, 0, 0, 0, (byte)(Width >> 8), (byte)Width, (byte)(Height >> 8), (byte)Height]);
        while (true)
        {
            var type = (await ReadAsync(1))[0];
            if (type == 0)
            {
                break;
            }
            Assert.Fail($"unexpected server message {type} before the framebuffer update");
        }
        var rectangles = BinaryPrimitives.ReadUInt16BigEndian((await ReadAsync(3)).AsSpan(1));
        for (var i = 0; i < rectangles; i++)
        {
            var header = await ReadAsync(12);
            var (x, y) = (BinaryPrimitives.ReadUInt16BigEndian(header), BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)));
            var (w, h) = (BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)), BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)));
            Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8)));
            var data = await ReadAsync(w * h * 4);
            for (var row = 0; row < h; row++)
            {
                for (var column = 0; column < w; column++)
                {
                    pixels[((y + row) * Width) + x + column] = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(((row * w) + column) * 4)) & 0xffffff;
                }
            }
        }
        return pixels;
    }

    private Task SendAsync(byte[] message) => socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);

    private async Task<byte[]> ReadAsync(int count)
    {
        var result = new byte[count];
        var filled = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (filled < count)
        {
            if (_start == _end)
            {
                var received = await socket.ReceiveAsync(_buffer.AsMemory(), timeout.Token);
                Assert.NotEqual(WebSocketMessageType.Close, received.MessageType);
                (_start, _end) = (0, received.Count);
            }
            var take = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, take);
            _start += take;
            filled += take;
        }
        return result;
    }
}
