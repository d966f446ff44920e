using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Accounts;

public sealed record LoginRequest(string? UserName, string? Password);

public sealed record SessionUser(string UserName, string DisplayName, string Role);

public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/session").WithTags("Session");
        group.MapPost("/", LoginAsync).AllowAnonymous()
            .WithSummary("Log in with a school (LDAP) or local account; sets the session cookie.");
        group.MapGet("/", Current).RequireAuthorization().WithSummary("The logged-in user.");
        group.MapDelete("/", (Delegate)LogoutAsync).RequireAuthorization().WithSummary("Log out.");
        return endpoints;
    }

    internal static async Task<Results<Ok<SessionUser>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, Authenticator authenticator, VmManagerMetrics metrics, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            errors["userName"] = ["required"];
        }
        else if (request.UserName.Length > Authenticator.MaxUserNameLength)
        {
            errors["userName"] = [$"at most {Authenticator.MaxUserNameLength} characters"];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["required"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        AuthenticatedUser? user;
        try
        {
            user = authenticator.Authenticate(request.UserName!, request.Password!);
        }
        catch (DirectoryUnavailableException)
        {
            return TypedResults.Problem(title: "The school directory is unreachable", detail: "Try again in a few minutes or tell the IT staff.",
                statusCode: StatusCodes.Status503ServiceUnavailable, type: "directory-unavailable");
        }
        if (user is null)
        {
            metrics.LoginFailed();
            return TypedResults.Problem(title: "Wrong user name or password", statusCode: StatusCodes.Status401Unauthorized, type: "invalid-credentials");
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, user.UserName),
            new Claim(ClaimTypes.GivenName, user.DisplayName),
            new Claim(ClaimTypes.Role, user.Role.ToString()),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return TypedResults.Ok(new SessionUser(user.UserName, user.DisplayName, user.Role.ToString()));
    }

    private static Ok<SessionUser> Current(ClaimsPrincipal principal) =>
        TypedResults.Ok(new SessionUser(principal.Identity!.Name!, principal.FindFirstValue(ClaimTypes.GivenName) ?? "", principal.FindFirstValue(ClaimTypes.Role) ?? ""));

    private static async Task<NoContent> LogoutAsync(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }
}
