using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Consoles;

public sealed record ConsoleTicketRequest(string? VmId);

public sealed record ConsoleTicketResponse(string Ticket, string WebSocketPath, bool ViewOnly, DateTimeOffset ExpiresAt);

public static partial class ConsoleEndpoints
{
    private static readonly TimeSpan VncConnectTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapConsoleEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // A ticket opens a screen that can be typed into: like every state-changing call, it needs the antiforgery token.
        endpoints.MapGroup("/api/consoles").RequireAuthorization().RequireAntiforgeryToken().WithTags("Consoles")
            .MapPost("", IssueAsync).WithSummary("A single-use ticket (valid seconds) to open the console of a running VM over WebSocket.");
        endpoints.MapGet("/console/{vmId}", ConnectAsync).RequireAuthorization().WithTags("Consoles")
            .WithSummary("WebSocket upgrade to the VM's VNC console (RFB, noVNC); needs a ticket and the same user's session.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return endpoints;
    }

    internal static async Task<Results<Ok<ConsoleTicketResponse>, ValidationProblem, ProblemHttpResult>> IssueAsync(
        ConsoleTicketRequest request, ClaimsPrincipal principal, ConsoleGate gate, AuditLog audit,
        HttpContext context, CancellationToken cancellationToken)
    {
        // The ticket is a credential for the next few seconds: no cache may keep it.
        context.Response.Headers.CacheControl = "no-store";
        var result = await gate.IssueAsync(request.VmId, principal, cancellationToken);
        if (result.Result is Ok<ConsoleTicketResponse> { Value: { } issued })
        {
            audit.Record(principal.UserName(), AuditActions.ConsoleIssue, request.VmId, AuditOutcomes.Success, Mode(issued.ViewOnly), context.ClientAddress());
        }
        return result;
    }

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ConnectAsync(
        string vmId, [FromQuery] string? ticket, HttpContext context, ConsoleGate gate,
        ConsoleBridge bridge, AuditLog audit, TimeProvider time, IOptions<ConsoleOptions> options, ILoggerFactory loggers)
    {
        if (!ConsoleGate.IsVmId(vmId))
        {
            return ConsoleGate.VmNotFound();
        }
        var (refusal, session) = await gate.AdmitAsync(context, vmId, ticket);
        if (refusal is not null)
        {
            return refusal;
        }
        var logger = loggers.CreateLogger(typeof(ConsoleEndpoints));
        var vnc = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        WebSocket webSocket;
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
            {
                timeout.CancelAfter(VncConnectTimeout);
                await vnc.ConnectAsync(IPAddress.Loopback, session!.VncPort, timeout.Token);
                if (session.VncPassword is { } password)
                {
                    await VncAuthentication.AuthenticateAsync(vnc, password, timeout.Token);
                }
            }
            var keepAlive = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds);
            webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                // noVNC asks for no subprotocol unless a page passes wsProtocols: ['binary'] (older clients do).
                SubProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains("binary") ? "binary" : null,
                KeepAliveInterval = keepAlive,
                KeepAliveTimeout = keepAlive,
            });
        }
        catch (VncAuthenticationException ex)
        {
            // The cached port now belongs to another VM (ours stopped and another started there), or something else listens.
            vnc.Dispose();
            gate.Release(session!);
            LogAuthenticationFailed(logger, vmId, session!.VncPort, ex.Message);
            audit.Record(session.UserName, AuditActions.ConsoleOpen, vmId, AuditOutcomes.Failure, "VNC authentication failed", context.ClientAddress());
            return TypedResults.Problem(title: "The VM's console did not accept its password", detail: "The VM probably stopped; reload the page.",
                statusCode: StatusCodes.Status502BadGateway, type: "console-authentication-failed");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException or WebSocketException)
        {
            vnc.Dispose();
            gate.Release(session!);
            LogUnreachable(logger, vmId, session!.VncPort, ex.Message);
            return TypedResults.Problem(title: "The VM's console does not answer", detail: "Try again in a few seconds.",
                statusCode: StatusCodes.Status502BadGateway, type: "console-unreachable");
        }
        LogOpened(logger, vmId, session.UserName, session.ViewOnly, webSocket.SubProtocol ?? "(none)");
        audit.Record(session.UserName, AuditActions.ConsoleOpen, vmId, AuditOutcomes.Success, Mode(session.ViewOnly), context.ClientAddress());
        await bridge.RunAsync(webSocket, vnc, session, greetBrowser: session.VncPassword is not null);
        var seconds = (long)(time.GetUtcNow() - session.StartedAt).TotalSeconds;
        audit.Record(session.UserName, AuditActions.ConsoleClose, vmId, AuditOutcomes.Success,
            FormattableString.Invariant($"{Mode(session.ViewOnly)}, {seconds} s"), context.ClientAddress());
        return TypedResults.Empty;
    }

    private static string Mode(bool viewOnly) => viewOnly ? "view-only" : "control";

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of {VmId} opened for {User} (viewOnly={ViewOnly}, subprotocol {SubProtocol})")]
    private static partial void LogOpened(ILogger logger, string vmId, string user, bool viewOnly, string subProtocol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console of {VmId}: VNC authentication on port {Port} failed: {Error}")]
    private static partial void LogAuthenticationFailed(ILogger logger, string vmId, int port, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console of {VmId}: VNC port {Port} unreachable: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string vmId, int port, string error);
}
