using VmManager.Daemon.Consoles;
using static VmManager.Daemon.Tests.Consoles.RfbMessages;

namespace VmManager.Daemon.Tests.Consoles;

public sealed class RfbViewOnlyFilterTests
{
    private static readonly byte[] Viewer = [.. Version38, .. SecurityNone, .. SharedClientInit, .. SetPixelFormat,
        .. SetEncodings(0, 7, -223), .. UpdateRequest, .. ContinuousUpdates, .. Fence];

    private static readonly byte[] Input = [.. Key(true), .. Key(false), .. Pointer, .. ExtendedPointer, .. CutText("rm -rf /\n"),
        .. ExtendedCutText(70000), .. SetDesktopSize, .. XvpReboot, .. QemuExtendedKey, .. QemuAudioEnable, .. QemuAudioFormat];

    [Fact]
    public void Filter_ViewerMessagesMixedWithInput_ForwardsOnlyTheViewerMessages()
    {
        byte[] stream = [.. Version38, .. SecurityNone, .. SharedClientInit, .. SetPixelFormat, .. Key(true), .. SetEncodings(0, 7, -223),
            .. Input, .. UpdateRequest, .. Pointer, .. ContinuousUpdates, .. CutText("x"), .. Fence, .. Input];

        var forwarded = FilterInChunks(stream, chunk: stream.Length);

        Assert.Equal(Viewer, forwarded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Filter_StreamCutAnywhere_GivesTheSameResult(int chunk)
    {
        byte[] stream = [.. Version38, .. SecurityNone, .. SharedClientInit, .. Input, .. SetPixelFormat, .. Input,
            .. SetEncodings(0, 7, -223), .. UpdateRequest, .. ContinuousUpdates, .. Fence, .. Input];

        Assert.Equal(Viewer, FilterInChunks(stream, chunk));
    }

    [Fact]
    public void Filter_ExclusiveClientInit_IsForwardedAsShared()
    {
        // A viewer asking for exclusive access would make QEMU drop the owner's own console.
        var forwarded = FilterInChunks(Handshake, chunk: 5);

        Assert.Equal([.. Version38, .. SecurityNone, .. SharedClientInit], forwarded);
    }

    [Fact]
    public void Filter_VncAuthentication_ForwardsTheResponse()
    {
        var response = Enumerable.Range(1, 16).Select(value => (byte)value).ToArray();
        byte[] stream = [.. Version38, 2, .. response, 1, .. Key(true), .. UpdateRequest];

        Assert.Equal([.. Version38, 2, .. response, 1, .. UpdateRequest], FilterInChunks(stream, chunk: 4));
    }

    [Theory]
    [InlineData(99)]
    [InlineData(7)]
    [InlineData(252)]
    public void Filter_UnknownMessageType_FailsClosed(byte type)
    {
        var filter = new RfbViewOnlyFilter();
        Assert.Equal(Handshake.Length, filter.Filter(Handshake.ToArray()));

        Assert.Equal(-1, filter.Filter(new byte[] { type, 0, 0, 0 }));
    }

    [Theory]
    [InlineData("RFB 003.003\n")]
    [InlineData("RFB 004.001\n")]
    [InlineData("GET / HTTP/1.")]
    public void Filter_UnsupportedProtocolVersion_FailsClosed(string version)
    {
        Assert.Equal(-1, new RfbViewOnlyFilter().Filter(System.Text.Encoding.ASCII.GetBytes(version)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(19)]
    public void Filter_SecurityTypeOtherThanNoneOrVncAuth_FailsClosed(byte securityType)
    {
        Assert.Equal(-1, new RfbViewOnlyFilter().Filter([.. Version38, securityType]));
    }

    [Fact]
    public void Filter_UnknownQemuSubtype_FailsClosed()
    {
        var filter = new RfbViewOnlyFilter();
        filter.Filter(Handshake.ToArray());

        Assert.Equal(-1, filter.Filter(new byte[] { 255, 9, 0, 0 }));
    }

    [Fact]
    public void Filter_CountsDroppedMessages()
    {
        var filter = new RfbViewOnlyFilter();

        filter.Filter([.. Handshake, .. Key(true), .. Key(false), .. UpdateRequest, .. Pointer]);

        Assert.Equal(3, filter.Dropped);
    }

    private static byte[] FilterInChunks(byte[] stream, int chunk)
    {
        var filter = new RfbViewOnlyFilter();
        var output = new List<byte>();
        for (var offset = 0; offset < stream.Length; offset += chunk)
        {
            var part = stream.AsSpan(offset, Math.Min(chunk, stream.Length - offset)).ToArray();
            var count = filter.Filter(part);
            Assert.True(count >= 0, $"the filter refused an allowed stream at offset {offset}");
            output.AddRange(part.AsSpan(0, count).ToArray());
        }
        return [.. output];
    }
}
