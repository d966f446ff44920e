using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Consoles;

/// <summary>
/// Every decision about who gets a console, kept apart from the sockets: issuing tickets, and
/// admitting an upgrade request. A refused upgrade never touches the VM's VNC port.
/// </summary>
public sealed partial class ConsoleGate(
    ConsoleTickets tickets, ConsoleSessions sessions, IConsoleTargets targets, Visibility visibility, IOptions<ServerOptions> server,
    ILogger<ConsoleGate> logger)
{
    public static bool IsVmId([NotNullWhen(true)] string? vmId) => vmId is { Length: > 0 and <= 128 } && VmIdPattern().IsMatch(vmId);

    public async Task<Results<Ok<ConsoleTicketResponse>, ValidationProblem, ProblemHttpResult>> IssueAsync(
        string? vmId, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (!IsVmId(vmId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["vmId"] = [string.IsNullOrEmpty(vmId) ? "required" : "not a VM id"],
            });
        }
        var user = principal.UserName();
        var role = principal.UserRole();
        // The visibility rule: students only ever learn about their own VMs, teachers about their classes' students'.
        var sight = visibility.SightOf(user, role);
        bool MaySee(string owner) => owner == user || sight.Sees(owner);

        var target = await targets.FindRunningAsync(vmId, cancellationToken);
        if (target is null)
        {
            var owner = await targets.FindOwnerAsync(vmId, cancellationToken);
            return owner is not null && MaySee(owner) ? NotRunning() : VmNotFound();
        }
        if (!MaySee(target.Owner))
        {
            return VmNotFound();
        }
        // A teacher watches a student's screen; an admin may take over (e.g. to fix a stuck boot).
        var viewOnly = target.Owner != user && role == Role.Teacher;
        if (tickets.Issue(user, target.VmId, target.VncPort, viewOnly) is not var (ticket, grant))
        {
            return TypedResults.Problem(title: "Too many console tickets requested", detail: "Wait a minute before opening more consoles.",
                statusCode: StatusCodes.Status429TooManyRequests, type: "too-many-tickets");
        }
        LogIssued(vmId, user, viewOnly);
        return TypedResults.Ok(new ConsoleTicketResponse(ticket, $"/console/{Uri.EscapeDataString(vmId)}?ticket={ticket}", viewOnly, grant.ExpiresAt));
    }

    /// <summary>All checks of an upgrade request, in order; on success the session is registered (and counts towards the caps).</summary>
    public async Task<(ProblemHttpResult? Refusal, ConsoleSession? Session)> AdmitAsync(
        HttpContext context, string vmId, string? ticket)
    {
        var user = context.User.UserName();
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Refuse(StatusCodes.Status400BadRequest, "websocket-expected", "This address only accepts WebSocket connections", vmId, user);
        }
        if (!OriginAllowed(context.Request))
        {
            return Refuse(StatusCodes.Status403Forbidden, "origin-refused", "The page opening this console is not from this site", vmId, user);
        }
        if (string.IsNullOrEmpty(ticket))
        {
            return Refuse(StatusCodes.Status400BadRequest, "ticket-required", "A console ticket is required (POST /api/consoles)", vmId, user);
        }
        var (status, grant) = tickets.Consume(ticket);
        if (status == TicketStatus.Expired)
        {
            return Refuse(StatusCodes.Status410Gone, "ticket-expired", "This console ticket has expired; ask for a new one", vmId, user);
        }
        if (grant is null || grant.VmId != vmId)
        {
            return Refuse(StatusCodes.Status404NotFound, "ticket-unknown", "Unknown or already used console ticket", vmId, user);
        }
        if (grant.UserName != user)
        {
            return Refuse(StatusCodes.Status403Forbidden, "ticket-not-yours", "This console ticket was issued to someone else", vmId, user);
        }
        // The VM may have stopped, or restarted on another VNC port, since the ticket was issued. The port comes
        // from a cache, so it may even belong to another VM by now: the bridge's VNC authentication catches that.
        var target = await targets.FindRunningAsync(vmId, context.RequestAborted);
        if (target is null || target.VncPort != grant.VncPort)
        {
            return Refuse(StatusCodes.Status409Conflict, "vm-not-running", "The VM is not running (any more)", vmId, user);
        }
        var (session, limit) = sessions.TryOpen(user, vmId, grant.VncPort, grant.ViewOnly, target.VncPassword);
        return limit switch
        {
            SessionLimit.PerUser => Refuse(StatusCodes.Status429TooManyRequests, "too-many-consoles", "You have too many consoles open; close one first", vmId, user),
            SessionLimit.PerVm => Refuse(StatusCodes.Status429TooManyRequests, "too-many-consoles", "This VM has too many consoles open", vmId, user),
            _ => (null, session),
        };
    }

    public void Release(ConsoleSession session) => sessions.Remove(session);

    /// <summary>
    /// Cross-site WebSocket hijacking defence: browsers always send Origin on a WebSocket handshake and
    /// cookies ride along whatever page opened it. Behind nginx, Server:PublicOrigin is what users type.
    /// </summary>
    private bool OriginAllowed(HttpRequest request)
    {
        var configured = server.Value.PublicOrigin;
        var expected = configured is { Length: > 0 } ? configured : $"{request.Scheme}://{request.Host.Value}";
        return Uri.TryCreate(request.Headers.Origin.ToString(), UriKind.Absolute, out var origin)
               && Uri.TryCreate(expected, UriKind.Absolute, out var allowed)
               && string.Equals(origin.GetLeftPart(UriPartial.Authority), allowed.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
    }

    private (ProblemHttpResult, ConsoleSession?) Refuse(int status, string type, string title, string vmId, string user)
    {
        LogRefused(vmId, user, status, type);
        return (TypedResults.Problem(title: title, statusCode: status, type: type), null);
    }

    internal static ProblemHttpResult VmNotFound() =>
        TypedResults.Problem(title: "No such VM", statusCode: StatusCodes.Status404NotFound, type: "vm-not-found");

    private static ProblemHttpResult NotRunning() =>
        TypedResults.Problem(title: "The VM is not running", detail: "Start it first, then open its console.",
            statusCode: StatusCodes.Status409Conflict, type: "vm-not-running");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex VmIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Console ticket for {VmId} issued to {User} (viewOnly={ViewOnly})")]
    private partial void LogIssued(string vmId, string user, bool viewOnly);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of {VmId} refused to {User}: {Status} {Reason}")]
    private partial void LogRefused(string vmId, string user, int status, string reason);
}
