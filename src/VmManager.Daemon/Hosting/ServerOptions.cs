using System.Net;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hosting;

public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>Where Kestrel listens; production keeps it on loopback behind nginx.</summary>
    public string Url { get; set; } = "http://127.0.0.1:5000";

    /// <summary>The address users type (e.g. https://vms.school.example); WebSocket Origin checks and e-mail links use it.</summary>
    public string? PublicOrigin { get; set; }

    /// <summary>Only these proxies may set X-Forwarded-For / X-Forwarded-Proto; empty means loopback (nginx on this host).</summary>
    /// <remarks>No default values: the configuration binder appends to an initialised array instead of replacing it.</remarks>
    public string[] KnownProxies { get; set; } = [];

    public IEnumerable<string> EffectiveKnownProxies => KnownProxies.Length > 0 ? KnownProxies : ["127.0.0.1", "::1"];
}

public sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url))
        {
            return ValidateOptionsResult.Fail($"Server:Url: '{options.Url}' is not an absolute URL");
        }
        if (url.Scheme is not ("http" or "https"))
        {
            return ValidateOptionsResult.Fail($"Server:Url: unknown URL scheme '{url.Scheme}' (use http, or https with a Kestrel certificate)");
        }
        if (options.PublicOrigin is { Length: > 0 } origin
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var publicOrigin) || publicOrigin.Scheme is not ("http" or "https") || publicOrigin.AbsolutePath != "/"))
        {
            return ValidateOptionsResult.Fail($"Server:PublicOrigin: '{origin}' must be a scheme and host such as https://vms.school.example");
        }
        var badProxy = options.KnownProxies.FirstOrDefault(proxy => !IPAddress.TryParse(proxy, out _));
        return badProxy is null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Server:KnownProxies: '{badProxy}' is not an IP address");
    }
}
