namespace VmManager.Daemon.Tests.Consoles;

/// <summary>RFB client→server byte sequences (RFC 6143, and the extensions noVNC speaks) for filter tests.</summary>
internal static class RfbMessages
{
    public static readonly byte[] Version38 = "RFB 003.008\n"u8.ToArray();
    public static readonly byte[] SecurityNone = [1];
    public static readonly byte[] ExclusiveClientInit = [0];
    public static readonly byte[] SharedClientInit = [1];

    public static byte[] Handshake => [.. Version38, .. SecurityNone, .. ExclusiveClientInit];

    public static byte[] SetPixelFormat => [0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0];

    public static byte[] SetEncodings(params int[] encodings)
    {
        var message = new List<byte> { 2, 0, (byte)(encodings.Length >> 8), (byte)encodings.Length };
        foreach (var encoding in encodings)
        {
            message.AddRange([(byte)(encoding >> 24), (byte)(encoding >> 16), (byte)(encoding >> 8), (byte)encoding]);
        }
        return [.. message];
    }

    public static byte[] UpdateRequest => [3, 1, 0, 0, 0, 0, 3, 32, 2, 88];

    public static byte[] ContinuousUpdates => [150, 1, 0, 0, 0, 0, 3, 32, 2, 88];

    public static byte[] Fence => [248, 0, 0, 0, 0x80, 0, 0, 0, 3, 7, 8, 9];

    public static byte[] Key(bool down) => [4, down ? (byte)1 : (byte)0, 0, 0, 0, 0, 0xff, 0x0d];

    public static byte[] Pointer => [5, 1, 0, 10, 0, 20];

    public static byte[] ExtendedPointer => [5, 0x81, 0, 10, 0, 20, 0];

    public static byte[] CutText(string text)
    {
        var bytes = System.Text.Encoding.Latin1.GetBytes(text);
        return [6, 0, 0, 0, (byte)(bytes.Length >> 24), (byte)(bytes.Length >> 16), (byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    /// <summary>Extended clipboard: a negative length whose absolute value is the payload size.</summary>
    public static byte[] ExtendedCutText(int payload)
    {
        var length = -payload;
        return [6, 0, 0, 0, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. new byte[payload]];
    }

    public static byte[] SetDesktopSize => [251, 0, 4, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 0, 0, 0, 0];

    public static byte[] XvpReboot => [250, 0, 1, 3];

    public static byte[] QemuExtendedKey => [255, 0, 0, 1, 0, 0, 0xff, 0x0d, 0, 0, 0, 0x1c];

    public static byte[] QemuAudioEnable => [255, 1, 0, 0];

    public static byte[] QemuAudioFormat => [255, 1, 0, 2, 3, 2, 0, 0, 0xac, 0x44];
}
