using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Consoles;

public sealed class ConsoleOptions
{
    public const string Section = "Consoles";

    /// <summary>A ticket only has to survive the page's fetch→WebSocket hop: short, so a leaked URL is worthless.</summary>
    public int TicketLifetimeSeconds { get; set; } = 30;

    public int MaxSessionsPerUser { get; set; } = 4;

    public int MaxSessionsPerVm { get; set; } = 4;

    /// <summary>WebSocket pings keep an idle console alive through nginx (proxy_read_timeout) and NAT boxes.</summary>
    public int KeepAliveSeconds { get; set; } = 20;

    /// <summary>
    /// Read size of the bridge, rented from the shared pool per session (two per direction: one is read
    /// into while the other is written out); pages an idle console never fills stay unallocated. See bench/README.md.
    /// </summary>
    public int BufferBytes { get; set; } = 512 * 1024;
}

public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public const int MaxTicketLifetimeSeconds = 60;

    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        if (options.TicketLifetimeSeconds is < 1 or > MaxTicketLifetimeSeconds)
        {
            return ValidateOptionsResult.Fail($"Consoles:TicketLifetimeSeconds: must be between 1 and {MaxTicketLifetimeSeconds}");
        }
        if (options.MaxSessionsPerUser < 1)
        {
            return ValidateOptionsResult.Fail("Consoles:MaxSessionsPerUser: must be at least 1");
        }
        if (options.MaxSessionsPerVm < 1)
        {
            return ValidateOptionsResult.Fail("Consoles:MaxSessionsPerVm: must be at least 1");
        }
        // nginx closes a proxied connection that stays silent for proxy_read_timeout (60 s by default).
        if (options.KeepAliveSeconds is < 1 or > 45)
        {
            return ValidateOptionsResult.Fail("Consoles:KeepAliveSeconds: must be between 1 and 45 (nginx drops a WebSocket silent for 60 s)");
        }
        return options.BufferBytes is < 4096 or > 4 * 1024 * 1024
            ? ValidateOptionsResult.Fail("Consoles:BufferBytes: must be between 4096 and 4194304")
            : ValidateOptionsResult.Success;
    }
}
