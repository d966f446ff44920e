using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Tests.Support;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

public sealed class VncAuthenticationTests
{
    [Fact]
    public void Response_KnownChallenge_MatchesDesOfTheMirroredKey()
    {
        // openssl enc -des-ecb -provider legacy -K 8246cc26a266ec16 -nopad over the bytes 0..15 ("Ab3dEf7h" mirrored).
        var response = VncAuthentication.Response("Ab3dEf7h", Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());

        Assert.Equal("4bac91fed2322a73783d686a4e9d49f5", Convert.ToHexStringLower(response));
    }

    [Fact]
    public void ConsoleTarget_Printed_HidesTheVncPassword()
    {
        Assert.DoesNotContain("Ab3dEf7h", new ConsoleTarget("vm", "alice", 5900, "Ab3dEf7h").ToString());
    }
}

/// <summary>A real QEMU screen with a VNC password: nobody reaches it without the password, the bridge does.</summary>
[Collection(RigCollection.Name)]
public sealed class VncPasswordRigTests(RigFixture rig) : IAsyncLifetime
{
    private TinyDomain _domain = null!;

    public async Task InitializeAsync() => _domain = await TinyDomain.StartAsync(rig);

    [Fact]
    public Task DirectConnection_WithoutThePassword_IsRefused() => AssertRefusesWithoutPasswordAsync(_domain.VncPort);

    /// <summary>An RFB client that does not know the password: offered VNC authentication only, refused after it.</summary>
    internal static async Task AssertRefusesWithoutPasswordAsync(int vncPort)
    {
        using var vnc = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await vnc.ConnectAsync(IPAddress.Loopback, vncPort);

        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(await ReadAsync(vnc, 12)));
        await vnc.SendAsync("RFB 003.008\n"u8.ToArray());
        var types = await ReadAsync(vnc, (await ReadAsync(vnc, 1))[0]);
        Assert.Equal([2], types); // VNC authentication only: no "None"
        await vnc.SendAsync(new byte[] { 2 });
        await ReadAsync(vnc, 16);
        await vnc.SendAsync(new byte[16]); // not the answer to the challenge
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(await ReadAsync(vnc, 4)));
    }

    [Fact]
    public async Task Console_CachedPortNowAnotherVms_IsRefused()
    {
        // The cache still says the student's VM runs on this port, but the screen there is another VM's.
        var targets = new VirshConsoleTargets(_domain.Virsh);
        targets.Add("mine", _domain.Name, Student, vncPassword: "Mine2026");
        using var host = new ConsoleTestHost(targets: targets);
        using var user = await host.LoginAsync(Student);

        var ticket = await TicketAsync(user, "mine");
        var (socket, status) = await host.ConnectAsync(ticket.WebSocketPath, user);

        socket?.Dispose();
        Assert.Null(socket);
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(0, host.Sessions.Count);
    }

    public async Task DisposeAsync()
    {
        if (_domain is not null)
        {
            await _domain.DisposeAsync();
        }
    }

    private static async Task<byte[]> ReadAsync(Socket socket, int count)
    {
        var data = new byte[count];
        var filled = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (filled < count)
        {
            var received = await socket.ReceiveAsync(data.AsMemory(filled), SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, received);
            filled += received;
        }
        return data;
    }
}
