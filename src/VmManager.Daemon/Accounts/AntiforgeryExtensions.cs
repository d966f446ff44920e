using Microsoft.AspNetCore.Antiforgery;

namespace VmManager.Daemon.Accounts;

/// <summary>
/// CSRF protection for the JSON API with the framework's antiforgery tokens: the UI reads a token from
/// GET /api/session/antiforgery (which also sets its cookie) and sends it in the X-CSRF-TOKEN header.
/// The token is bound to the session's claims, so it dies with the session.
/// </summary>
public static class AntiforgeryExtensions
{
    public const string HeaderName = "X-CSRF-TOKEN";
    public const string CookieName = "vmm_csrf";

    /// <summary>
    /// Every POST, PUT, PATCH and DELETE in the group must carry a valid token (400 problem otherwise).
    /// An endpoint opts out with the framework's <c>DisableAntiforgery()</c>; only the login does.
    /// </summary>
    public static RouteGroupBuilder RequireAntiforgeryToken(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (context.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: false })
            {
                return await next(invocation);
            }
            // IsRequestValidAsync lets GET, HEAD, OPTIONS and TRACE through: they must not change anything.
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            return await antiforgery.IsRequestValidAsync(context)
                ? await next(invocation)
                : TypedResults.Problem(title: "Missing or invalid anti-forgery token",
                    detail: $"Send the token from GET /api/session/antiforgery in the {HeaderName} header.",
                    statusCode: StatusCodes.Status400BadRequest, type: "antiforgery-token-invalid");
        });
        return group;
    }

    internal static IServiceCollection AddApiAntiforgery(this IServiceCollection services) => services.AddAntiforgery(options =>
    {
        options.HeaderName = HeaderName;
        options.Cookie.Name = CookieName;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    });
}
