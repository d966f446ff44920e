using System.Buffers.Binary;

namespace VmManager.Daemon.Consoles;

/// <summary>
/// Server-side guarantee of a view-only console: noVNC's viewOnly flag is a courtesy of an honest
/// page, so the client→VNC byte stream is parsed (RFB 3.7/3.8, RFC 6143) and only what a viewer
/// needs reaches the VM — the handshake, SetPixelFormat, SetEncodings, FramebufferUpdateRequest,
/// EnableContinuousUpdates and ClientFence. Keys, pointer, clipboard, resize, XVP power actions and
/// QEMU's extended messages are dropped; anything this parser does not know ends the session
/// (fail closed). The VNC server therefore only ever sees a prefix of a sequence of whole allowed
/// messages, whatever bytes a malicious client sends.
/// </summary>
public sealed class RfbViewOnlyFilter
{
    private enum Phase
    {
        Version,
        SecurityType,
        VncAuthResponse,
        ClientInit,
        Messages,
    }

    private const byte SecurityNone = 1;
    private const byte SecurityVncAuth = 2;

    private readonly byte[] _header = new byte[12];
    private Phase _phase = Phase.Version;
    private int _headerLength;
    private int _headerNeeded;
    private int _fixedLength;
    private long _remaining;
    private bool _forward;

    /// <summary>Number of messages dropped so far (for the session log).</summary>
    public long Dropped { get; private set; }

    /// <summary>
    /// Filters <paramref name="data"/> in place: the bytes to forward are moved to its start and
    /// their count returned, or -1 when the stream is not RFB this filter can vouch for.
    /// </summary>
    public int Filter(Span<byte> data)
    {
        var write = 0;
        var read = 0;
        while (read < data.Length)
        {
            if (_remaining > 0)
            {
                var count = (int)Math.Min(_remaining, data.Length - read);
                if (_forward)
                {
                    data.Slice(read, count).CopyTo(data[write..]);
                    write += count;
                }
                read += count;
                _remaining -= count;
                if (_remaining == 0)
                {
                    Complete();
                }
                continue;
            }
            var value = data[read++];
            if (_headerLength == 0 && !Begin(value))
            {
                return -1;
            }
            if (_phase == Phase.ClientInit)
            {
                // Shared-flag 1: a viewer must never disconnect the owner's own session.
                value = 1;
            }
            _header[_headerLength++] = value;
            if (_forward)
            {
                data[write++] = value;
            }
            if (_headerLength == _headerNeeded && !Resolve())
            {
                return -1;
            }
        }
        return write;
    }

    /// <summary>
    /// First byte of a unit: decides whether it is forwarded, and either its fixed length or how
    /// many header bytes are needed to compute it.
    /// </summary>
    private bool Begin(byte first)
    {
        (_forward, _headerNeeded, _fixedLength) = _phase switch
        {
            Phase.Version => (true, 12, 12),
            Phase.SecurityType or Phase.ClientInit => (true, 1, 1),
            Phase.VncAuthResponse => (true, 1, 16),
            _ => first switch
            {
                0 => (true, 1, 20),     // SetPixelFormat
                2 => (true, 4, 0),      // SetEncodings: + 4 × count
                3 => (true, 1, 10),     // FramebufferUpdateRequest
                150 => (true, 1, 10),   // EnableContinuousUpdates
                248 => (true, 9, 0),    // ClientFence: + payload length
                4 => (false, 1, 8),     // KeyEvent
                5 => (false, 2, 0),     // PointerEvent: 6 bytes, 7 with the extended-buttons marker
                6 => (false, 8, 0),     // ClientCutText: + |length| (negative = extended clipboard)
                250 => (false, 1, 4),   // XVP: shutdown/reboot/reset
                251 => (false, 8, 0),   // SetDesktopSize: + 16 × screens
                255 => (false, 2, 0),   // QEMU: the subtype decides
                _ => (false, 0, 0),
            },
        };
        if (_headerNeeded == 0)
        {
            return false;
        }
        if (!_forward)
        {
            Dropped++;
        }
        return true;
    }

    /// <summary>The header is complete: work out the unit's total length (or that more header is needed).</summary>
    private bool Resolve()
    {
        long total;
        switch (_phase)
        {
            case Phase.Version:
                if (!_header.AsSpan(0, 12).SequenceEqual("RFB 003.008\n"u8) && !_header.AsSpan(0, 12).SequenceEqual("RFB 003.007\n"u8))
                {
                    return false; // 3.3 lets the server pick the security type: not trackable from this side alone
                }
                total = 12;
                break;
            case Phase.SecurityType:
                if (_header[0] is not (SecurityNone or SecurityVncAuth))
                {
                    return false;
                }
                total = 1;
                break;
            case Phase.VncAuthResponse or Phase.ClientInit:
                total = _fixedLength;
                break;
            case Phase.Messages when _fixedLength > 0:
                total = _fixedLength;
                break;
            default:
                var header = _header.AsSpan(0, _headerLength);
                switch (header[0])
                {
                    case 2:
                        total = 4 + (4L * BinaryPrimitives.ReadUInt16BigEndian(header[2..]));
                        break;
                    case 248:
                        total = 9 + header[8];
                        break;
                    case 5:
                        total = (header[1] & 0x80) != 0 ? 7 : 6;
                        break;
                    case 6:
                        total = 8 + Math.Abs((long)BinaryPrimitives.ReadInt32BigEndian(header[4..]));
                        break;
                    case 251:
                        total = 8 + (16L * header[6]);
                        break;
                    case 255 when header[1] == 0:
                        total = 12; // QEMU extended key event
                        break;
                    case 255 when header[1] == 1 && _headerLength == 2:
                        _headerNeeded = 4; // QEMU audio: the operation decides
                        return true;
                    case 255 when header[1] == 1:
                        var operation = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
                        if (operation > 2)
                        {
                            return false;
                        }
                        total = operation == 2 ? 10 : 4;
                        break;
                    default:
                        return false;
                }
                break;
        }
        _remaining = total - _headerLength;
        if (_remaining == 0)
        {
            Complete();
        }
        return true;
    }

    private void Complete()
    {
        if (_phase != Phase.Messages)
        {
            _phase = _phase switch
            {
                Phase.Version => Phase.SecurityType,
                Phase.SecurityType => _header[0] == SecurityVncAuth ? Phase.VncAuthResponse : Phase.ClientInit,
                Phase.VncAuthResponse => Phase.ClientInit,
                _ => Phase.Messages,
            };
        }
        _headerLength = 0;
        _headerNeeded = 0;
        _fixedLength = 0;
    }
}
