using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace VmManager.Daemon.Accounts;

/// <summary>Checks each cookie against the sessions table, and answers JSON problems instead of redirects.</summary>
public sealed class SessionCookieEvents(SessionStore sessions) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var sessionId = context.Principal?.FindFirst(SessionStore.SessionIdClaim)?.Value;
        switch (sessionId is null ? SessionCheck.Invalid : sessions.Check(sessionId))
        {
            case SessionCheck.Invalid:
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(context.Scheme.Name);
                break;
            case SessionCheck.Extended:
                // Reissue the cookie so its own expiry follows the server's.
                context.ShouldRenew = true;
                break;
        }
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
