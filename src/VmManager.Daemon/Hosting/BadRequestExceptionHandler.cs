using Microsoft.AspNetCore.Diagnostics;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// Malformed JSON or a missing body is the client's mistake: answer 400 problem details (with
/// the framework's explanation, which never contains a secret) rather than a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }
        context.Response.StatusCode = badRequest.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = badRequest.StatusCode, Title = "The request could not be read", Detail = DetailOf(badRequest) },
        });
    }

    /// <summary>A body of `null` (or none) gets a plain sentence, not the framework's hint to developers ("Implicit body inferred…").</summary>
    private static string DetailOf(BadHttpRequestException badRequest) =>
        badRequest.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal)
        || (badRequest.Message.StartsWith("Required parameter", StringComparison.Ordinal) && badRequest.Message.Contains("from body", StringComparison.Ordinal))
            ? "The request body must be a JSON object."
            : badRequest.Message;
}
