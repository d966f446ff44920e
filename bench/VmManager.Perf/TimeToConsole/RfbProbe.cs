using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace VmManager.Perf.TimeToConsole;

/// <summary>
/// A VNC client that goes as far as the first framebuffer: version, security type None (QEMU's VNC on
/// the rig has no password), ClientInit/ServerInit, one full FramebufferUpdateRequest and the start of
/// the server's FramebufferUpdate. That is the moment a console can show the guest's screen.
/// </summary>
public static class RfbProbe
{
    /// <summary>True once the first FramebufferUpdate header arrived; false if the server is not (yet) there.</summary>
    public static async Task<bool> FirstFramebufferAsync(int port, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, deadline.Token);
            var stream = client.GetStream();
            var version = await ReadAsync(stream, 12, deadline.Token);
            if (!Encoding.ASCII.GetString(version).StartsWith("RFB 003.", StringComparison.Ordinal))
            {
                return false;
            }
            await stream.WriteAsync("RFB 003.008\n"u8.ToArray(), deadline.Token);
            var count = (await ReadAsync(stream, 1, deadline.Token))[0];
            var types = await ReadAsync(stream, count, deadline.Token);
            if (count == 0 || !types.Contains((byte)1))
            {
                throw new InvalidOperationException($"the VNC server offers no security type None ({Convert.ToHexString(types)})");
            }
            await stream.WriteAsync(new byte[] { 1 }, deadline.Token);
            if (BinaryPrimitives.ReadUInt32BigEndian(await ReadAsync(stream, 4, deadline.Token)) != 0)
            {
                return false;
            }
            await stream.WriteAsync(new byte[] { 1 }, deadline.Token); // ClientInit: shared
            var init = await ReadAsync(stream, 24, deadline.Token);
            var (width, height) = (BinaryPrimitives.ReadUInt16BigEndian(init), BinaryPrimitives.ReadUInt16BigEndian(init.AsSpan(2)));
            await ReadAsync(stream, (int)BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(20)), deadline.Token); // desktop name
            var request = new byte[10];
            request[0] = 3; // FramebufferUpdateRequest, not incremental, the whole screen
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), width);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(8), height);
            await stream.WriteAsync(request, deadline.Token);
            while (true)
            {
                var type = (await ReadAsync(stream, 1, deadline.Token))[0];
                if (type == 0)
                {
                    return true;
                }
                if (type != 2)
                {
                    // Only Bell (2) has no body; anything else before the first framebuffer is unexpected here.
                    throw new InvalidOperationException($"unexpected RFB message {type} before the first framebuffer");
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or EndOfStreamException)
        {
            return false;
        }
    }

    private static async Task<byte[]> ReadAsync(NetworkStream stream, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }
}
