using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Accounts;

public sealed record LoginRequest(string? UserName, string? Password);

public sealed record SessionUser(string UserName, string DisplayName, string Role);

public sealed record AntiforgeryToken(string Token, string HeaderName);

public sealed record RevokedSessions(int Revoked);

public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/session").WithTags("Session").RequireAntiforgeryToken();
        // No token for the login: there is no session to bind one to yet. A cross-site page cannot send
        // it either: the body must be application/json (415 otherwise), which a form cannot produce and
        // a cross-origin fetch may only send after a CORS preflight this API never grants.
        group.MapPost("/", LoginAsync).AllowAnonymous().DisableAntiforgery()
            .WithSummary("Log in with a school (LDAP) or local account; sets the session cookie.");
        group.MapGet("/", Current).RequireAuthorization(Policies.Student).WithSummary("The logged-in user.");
        group.MapDelete("/", LogoutAsync).RequireAuthorization(Policies.Student).WithSummary("Log out: the session is revoked on the server.");
        group.MapGet("/antiforgery", Antiforgery).RequireAuthorization(Policies.Student)
            .WithSummary($"A token for the {AntiforgeryExtensions.HeaderName} header of every state-changing request; sets its cookie.");

        endpoints.MapGroup("/api/admin/users").WithTags("Admin").RequireAuthorization(Policies.Admin).RequireAntiforgeryToken()
            .MapDelete("/{userName}/sessions", RevokeAll).WithSummary("Log a user out everywhere.");
        return endpoints;
    }

    internal static async Task<Results<Ok<SessionUser>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext context, Authenticator authenticator, LoginThrottle throttle, SessionStore sessions,
        AuditLog audit, AccountMetrics metrics, ILoggerFactory loggers)
    {
        var errors = new Dictionary<string, string[]>();
        if (UserNameProblem(request.UserName) is { } userNameProblem)
        {
            errors["userName"] = [userNameProblem];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["required"];
        }
        else if (request.Password.Length > Authenticator.MaxPasswordLength)
        {
            errors["password"] = [$"at most {Authenticator.MaxPasswordLength} characters"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var userName = request.UserName!.Trim();
        var address = context.ClientAddress();
        var account = LoginThrottle.AccountKey(userName);
        var logger = loggers.CreateLogger(typeof(SessionEndpoints).FullName!);

        using var attempt = throttle.Begin(account, address);
        if (attempt.RetryAfter is { } wait)
        {
            var seconds = context.Response.SetRetryAfter(wait);
            if (throttle.ShouldReport(account, address))
            {
                logger.LogWarning("Login refused for {UserName} from {ClientAddress}: too many failed attempts", userName, address);
                audit.Record(userName, AuditActions.Login, null, AuditOutcomes.Throttled, "too many failed attempts", address);
            }
            return TypedResults.Problem(title: "Too many failed logins", detail: $"Wait {seconds} s before trying again.",
                statusCode: StatusCodes.Status429TooManyRequests, type: "login-throttled",
                extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
        }

        AuthenticatedUser? user;
        try
        {
            user = await authenticator.AuthenticateAsync(userName, request.Password!);
        }
        catch (DirectoryBusyException ex)
        {
            logger.LogWarning("Login of {UserName} refused: {Problem}", userName, ex.Message);
            var seconds = context.Response.SetRetryAfter(ex.RetryAfter);
            return TypedResults.Problem(title: "The school directory is busy", detail: $"Try again in {seconds} s.",
                statusCode: StatusCodes.Status503ServiceUnavailable, type: "directory-busy",
                extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
        }
        catch (DirectoryUnavailableException ex)
        {
            logger.LogError("Login of {UserName} impossible: {Problem}", userName, ex.Message);
            audit.Record(userName, AuditActions.Login, null, AuditOutcomes.Error, "directory unreachable", address);
            return TypedResults.Problem(title: "The school directory is unreachable", detail: "Try again in a few minutes or tell the IT staff.",
                statusCode: StatusCodes.Status503ServiceUnavailable, type: "directory-unavailable");
        }
        if (user is null)
        {
            metrics.LoginFailed();
            attempt.Failed();
            audit.Record(userName, AuditActions.Login, null, AuditOutcomes.Failure, "wrong user name or password", address);
            return TypedResults.Problem(title: "Wrong user name or password", statusCode: StatusCodes.Status401Unauthorized, type: "invalid-credentials");
        }
        attempt.Succeeded();

        var sessionId = sessions.Create(user, address);
        var identity = new ClaimsIdentity(
        [
            new Claim(SessionStore.SessionIdClaim, sessionId),
            new Claim(ClaimTypes.Name, user.UserName),
            new Claim(ClaimTypes.GivenName, user.DisplayName),
            new Claim(ClaimTypes.Role, user.Role.ToString()),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        audit.Record(user.UserName, AuditActions.Login, null, AuditOutcomes.Success, user.Role.ToString(), address);
        return TypedResults.Ok(new SessionUser(user.UserName, user.DisplayName, user.Role.ToString()));
    }

    /// <summary>Null when acceptable. Control characters are refused: names end up in logs and LDAP filters.</summary>
    /// <summary>A user name in a route, checked as the login form checks it.</summary>
    internal static ValidationProblem? UserNameValidation(string userName) =>
        UserNameProblem(userName) is { } problem ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userName"] = [problem] }) : null;

    internal static string? UserNameProblem(string? userName) => userName switch
    {
        null or { Length: 0 } => "required",
        _ when string.IsNullOrWhiteSpace(userName) => "required",
        { Length: > Authenticator.MaxUserNameLength } => $"at most {Authenticator.MaxUserNameLength} characters",
        _ when userName.Any(char.IsControl) => "must not contain control characters",
        _ => null,
    };

    private static Ok<SessionUser> Current(ClaimsPrincipal principal) =>
        TypedResults.Ok(new SessionUser(principal.UserName(), principal.FindFirstValue(ClaimTypes.GivenName) ?? "", principal.UserRole().ToString()));

    private static async Task<NoContent> LogoutAsync(HttpContext context, SessionStore sessions, AuditLog audit)
    {
        var user = context.User;
        if (user.FindFirstValue(SessionStore.SessionIdClaim) is { } sessionId)
        {
            sessions.Revoke(sessionId);
        }
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        audit.Record(user.UserName(), AuditActions.Logout, null, AuditOutcomes.Success, null, context.ClientAddress());
        return TypedResults.NoContent();
    }

    private static Ok<AntiforgeryToken> Antiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new AntiforgeryToken(tokens.RequestToken!, tokens.HeaderName!));
    }

    private static Results<Ok<RevokedSessions>, ValidationProblem> RevokeAll(string userName, HttpContext context, SessionStore sessions, AuditLog audit)
    {
        if (UserNameValidation(userName) is { } invalid)
        {
            return invalid;
        }
        var revoked = sessions.RevokeAllFor(userName);
        audit.Record(context.User.UserName(), AuditActions.RevokeSessions, userName, AuditOutcomes.Success,
            $"{revoked} session(s) revoked", context.ClientAddress());
        return TypedResults.Ok(new RevokedSessions(revoked));
    }
}
