using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace VmManager.Daemon.Accounts;

/// <summary>
/// Checks each cookie against the sessions table, which decides: the session must be live and name the cookie's
/// user, and the role is the table's (a role learnt at a later login applies at once). Answers JSON problems
/// instead of redirects.
/// </summary>
public sealed class SessionCookieEvents(SessionStore sessions) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var sessionId = principal?.FindFirst(SessionStore.SessionIdClaim)?.Value;
        var (result, userName, role) = sessionId is null ? (SessionCheck.Invalid, null, Role.Student) : sessions.Check(sessionId);
        if (result == SessionCheck.Invalid || principal!.Identity is not ClaimsIdentity identity || identity.Name != userName)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
            return;
        }
        if (identity.FindFirst(ClaimTypes.Role) is not { } claim || claim.Value != role.ToString())
        {
            identity.TryRemoveClaim(identity.FindFirst(ClaimTypes.Role));
            identity.AddClaim(new Claim(ClaimTypes.Role, role.ToString()));
            context.ReplacePrincipal(principal);
            context.ShouldRenew = true;
        }
        // Extended: reissue the cookie so its own expiry follows the server's.
        context.ShouldRenew |= result == SessionCheck.Extended;
    }

    // The UI is static pages over a JSON API: answer 401/403, never redirect.
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context) =>
        WriteProblem(context.Response, StatusCodes.Status401Unauthorized);

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) =>
        WriteProblem(context.Response, StatusCodes.Status403Forbidden);

    private static Task WriteProblem(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return response.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = response.HttpContext }).AsTask();
    }
}
