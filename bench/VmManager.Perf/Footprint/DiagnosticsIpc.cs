using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace VmManager.Perf.Footprint;

/// <summary>
/// Induces a full blocking GC in another .NET process the way dotnet-gcdump does, without its package:
/// an EventPipe session (diagnostics IPC protocol, /tmp/dotnet-diagnostic-PID-*-socket) enabling the
/// runtime provider's GCHeapCollect keyword makes the runtime run GC.Collect() at once. The session is
/// closed right after, so it leaves little behind (1 MiB buffer, no rundown).
/// </summary>
public static class DiagnosticsIpc
{
    private const ulong GcHeapCollectKeyword = 0x800000;
    private const uint LevelInformational = 4;

    public static async Task InduceFullGcAsync(int pid)
    {
        var socketPath = Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*-socket").FirstOrDefault()
            ?? throw new InvalidOperationException($"process {pid} has no diagnostics socket (DOTNET_EnableDiagnostics=0?)");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));

        var payload = new List<byte>();
        payload.AddRange(UInt32(1)); // circular buffer, MiB
        payload.AddRange(UInt32(1)); // format: nettrace
        payload.Add(0); // requestRundown: no (CollectTracing2)
        payload.AddRange(UInt32(1)); // one provider
        payload.AddRange(UInt64(GcHeapCollectKeyword));
        payload.AddRange(UInt32(LevelInformational));
        payload.AddRange(IpcString("Microsoft-Windows-DotNETRuntime"));
        payload.AddRange(UInt32(0)); // no filter data
        var header = new List<byte>(Encoding.ASCII.GetBytes("DOTNET_IPC_V1\0"));
        header.AddRange(UInt16((ushort)(20 + payload.Count)));
        header.Add(0x02); // command set: EventPipe
        header.Add(0x03); // CollectTracing2
        header.AddRange(UInt16(0));
        await socket.SendAsync(header.Concat(payload).ToArray(), SocketFlags.None);

        var response = new byte[24];
        var received = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (received < response.Length)
        {
            var count = await socket.ReceiveAsync(response.AsMemory(received), SocketFlags.None, timeout.Token);
            if (count == 0)
            {
                break;
            }
            received += count;
        }
        // Answer header: command set 0xFF (server), command 0x00 = OK, then the session id.
        if (received < 20 || response[16] != 0xFF || response[17] != 0x00)
        {
            throw new InvalidOperationException($"the runtime refused the EventPipe session (answer {Convert.ToHexString(response, 0, received)})");
        }
        // The GC runs in the provider's enable callback, before the answer is sent; closing ends the session.
    }

    private static byte[] UInt16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] UInt64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Length in UTF-16 code units including the terminating NUL, then the UTF-16LE text and the NUL.</summary>
    private static byte[] IpcString(string value) => [.. UInt32((uint)value.Length + 1), .. Encoding.Unicode.GetBytes(value + "\0")];
}
