using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Consoles;

/// <summary>What a ticket allows: one console of one VM, for one user, on the VNC port seen at issue time.</summary>
public sealed record ConsoleGrant(string UserName, string VmId, int VncPort, bool ViewOnly, DateTimeOffset ExpiresAt);

public enum TicketStatus
{
    Valid,
    /// <summary>Never issued, already used, or malformed: indistinguishable on purpose.</summary>
    Unknown,
    Expired,
}

/// <summary>
/// Single-use console tickets, in memory only: a restart simply makes the page ask for a new one.
/// Only the SHA-256 of a ticket is kept, so a memory dump or a debugger shows no usable ticket.
/// </summary>
public sealed class ConsoleTickets(TimeProvider time, IOptions<ConsoleOptions> options)
{
    /// <summary>More pending tickets than any page needs; bounds what one user can make us hold.</summary>
    public const int MaxPendingPerUser = 16;

    private const int TicketBytes = 32;

    private readonly ConcurrentDictionary<string, ConsoleGrant> _grants = new(StringComparer.Ordinal);

    public int PendingCount => _grants.Count;

    /// <summary>A fresh ticket, or null when the user already holds too many unused ones.</summary>
    public (string Ticket, ConsoleGrant Grant)? Issue(string userName, string vmId, int vncPort, bool viewOnly)
    {
        var now = time.GetUtcNow();
        var pending = 0;
        foreach (var (key, grant) in _grants)
        {
            if (grant.ExpiresAt <= now)
            {
                _grants.TryRemove(key, out _);
            }
            else if (grant.UserName == userName)
            {
                pending++;
            }
        }
        if (pending >= MaxPendingPerUser)
        {
            return null;
        }
        Span<byte> secret = stackalloc byte[TicketBytes];
        RandomNumberGenerator.Fill(secret);
        var issued = new ConsoleGrant(userName, vmId, vncPort, viewOnly, now.AddSeconds(options.Value.TicketLifetimeSeconds));
        _grants[Key(secret)] = issued;
        var ticket = Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);
        return (ticket, issued);
    }

    /// <summary>Takes the ticket out atomically: of two racing requests, exactly one sees it.</summary>
    public (TicketStatus Status, ConsoleGrant? Grant) Consume(string? ticket)
    {
        Span<byte> secret = stackalloc byte[TicketBytes];
        // IsValid first: TryDecodeFromChars throws (rather than returning false) on characters outside the alphabet.
        if (ticket is not { Length: 43 } || !Base64Url.IsValid(ticket, out var length) || length != TicketBytes
            || !Base64Url.TryDecodeFromChars(ticket, secret, out var written) || written != TicketBytes)
        {
            return (TicketStatus.Unknown, null);
        }
        if (!_grants.TryRemove(Key(secret), out var grant))
        {
            return (TicketStatus.Unknown, null);
        }
        return grant.ExpiresAt <= time.GetUtcNow() ? (TicketStatus.Expired, null) : (TicketStatus.Valid, grant);
    }

    private static string Key(ReadOnlySpan<byte> secret) => Convert.ToHexString(SHA256.HashData(secret));
}
