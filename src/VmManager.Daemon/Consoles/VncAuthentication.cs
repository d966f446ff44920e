using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace VmManager.Daemon.Consoles;

/// <summary>The VNC server did not accept the VM's password: it is another VM's screen, or not QEMU at all.</summary>
public sealed class VncAuthenticationException(string message) : Exception(message);

/// <summary>
/// The client side of an RFB 3.7/3.8 handshake (RFC 6143 §7.1–7.2) up to a successful SecurityResult, with
/// VNC authentication: the 16-byte challenge encrypted with DES-ECB under the password's first 8 bytes, each
/// byte's bits mirrored (the historical quirk every VNC server expects). A server that does not offer VNC
/// authentication is refused: every VM with a password has it, so that port belongs to someone else.
/// </summary>
public static class VncAuthentication
{
    private const byte SecurityVncAuth = 2;
    private const int ChallengeBytes = 16;
    private const int MaxReasonBytes = 1024;

    /// <summary>Authenticates <paramref name="vnc"/>; afterwards the server waits for the client's ClientInit.</summary>
    public static async Task AuthenticateAsync(Socket vnc, string password, CancellationToken cancellationToken)
    {
        var version = await ReadAsync(vnc, 12, cancellationToken);
        var minor = Encoding.ASCII.GetString(version) switch
        {
            "RFB 003.008\n" => 8,
            "RFB 003.007\n" => 7,
            _ => throw new VncAuthenticationException("the server does not speak RFB 3.7 or 3.8"),
        };
        await SendAsync(vnc, version, cancellationToken);
        var count = (await ReadAsync(vnc, 1, cancellationToken))[0];
        if (count == 0)
        {
            throw new VncAuthenticationException("the server refused the connection: " + await ReasonAsync(vnc, cancellationToken));
        }
        if (!(await ReadAsync(vnc, count, cancellationToken)).Contains(SecurityVncAuth))
        {
            throw new VncAuthenticationException("the server does not ask for a VNC password");
        }
        await SendAsync(vnc, [SecurityVncAuth], cancellationToken);
        var challenge = await ReadAsync(vnc, ChallengeBytes, cancellationToken);
        await SendAsync(vnc, Response(password, challenge), cancellationToken);
        if (BinaryPrimitives.ReadUInt32BigEndian(await ReadAsync(vnc, 4, cancellationToken)) != 0)
        {
            throw new VncAuthenticationException(minor == 8
                ? "the server refused the VM's VNC password: " + await ReasonAsync(vnc, cancellationToken)
                : "the server refused the VM's VNC password");
        }
    }

    /// <summary>The DES response to a VNC challenge.</summary>
    public static byte[] Response(string password, ReadOnlySpan<byte> challenge)
    {
        var key = new byte[8];
        Encoding.Latin1.GetBytes(password.AsSpan(0, Math.Min(password.Length, key.Length)), key);
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = Mirror(key[i]);
        }
        using var des = DES.Create();
        try
        {
            des.Key = key;
        }
        catch (CryptographicException)
        {
            // DES refuses its few weak keys; our generated passwords never make one.
            throw new VncAuthenticationException("this VNC password makes a weak DES key");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
        return des.EncryptEcb(challenge, PaddingMode.None);
    }

    private static byte Mirror(byte value)
    {
        var mirrored = 0;
        for (var bit = 0; bit < 8; bit++)
        {
            mirrored |= ((value >> bit) & 1) << (7 - bit);
        }
        return (byte)mirrored;
    }

    private static async Task<string> ReasonAsync(Socket vnc, CancellationToken cancellationToken)
    {
        var length = BinaryPrimitives.ReadUInt32BigEndian(await ReadAsync(vnc, 4, cancellationToken));
        return length <= MaxReasonBytes ? Encoding.UTF8.GetString(await ReadAsync(vnc, (int)length, cancellationToken)) : "(no reason)";
    }

    private static async Task SendAsync(Socket vnc, byte[] data, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < data.Length)
        {
            sent += await vnc.SendAsync(data.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    private static async Task<byte[]> ReadAsync(Socket vnc, int count, CancellationToken cancellationToken)
    {
        var data = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var received = await vnc.ReceiveAsync(data.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                throw new VncAuthenticationException("the server closed the connection during the handshake");
            }
            filled += received;
        }
        return data;
    }
}
