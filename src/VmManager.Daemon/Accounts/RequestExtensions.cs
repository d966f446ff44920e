using System.Security.Claims;

namespace VmManager.Daemon.Accounts;

/// <summary>Who is asking, as every endpoint and audit entry needs it.</summary>
public static class RequestExtensions
{
    public static string UserName(this ClaimsPrincipal user) =>
        user.Identity?.Name ?? throw new InvalidOperationException("the endpoint must require an authenticated user");

    public static Role UserRole(this ClaimsPrincipal user) =>
        Enum.TryParse<Role>(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : Role.Student;

    /// <summary>The browser's address; behind nginx it comes from X-Forwarded-For (only from Server:KnownProxies).</summary>
    public static string ClientAddress(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
