using System.Globalization;

namespace VmManager.Daemon.Hosting;

public static class RetryAfter
{
    /// <summary>Sets Retry-After in whole seconds, rounded up so a client that obeys never comes back too early.</summary>
    public static int SetRetryAfter(this HttpResponse response, TimeSpan wait)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }
}
