using System.Net;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hosting;

public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    private static readonly string[] Loopback = ["127.0.0.1", "::1"];

    /// <summary>
    /// Clients (addresses or CIDR networks such as 10.0.5.0/24) that may read /metrics; any other gets
    /// 404, as if it did not exist. Behind nginx this is the forwarded client address. Unset: loopback
    /// only. (Null rather than a default list: the binder appends configured items to a default array.)
    /// </summary>
    public string[]? AllowedAddresses { get; set; }

    public IReadOnlyList<string> EffectiveAllowedAddresses => AllowedAddresses ?? Loopback;

    public bool Allows(IPAddress? client)
    {
        if (client is null)
        {
            return false;
        }
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }
        return EffectiveAllowedAddresses.Any(allowed => TryParseNetwork(allowed, out var network) && network.Contains(client));
    }

    internal static bool TryParseNetwork(string value, out IPNetwork network)
    {
        if (IPAddress.TryParse(value, out var address))
        {
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }
        return IPNetwork.TryParse(value, out network);
    }
}

public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var bad = options.EffectiveAllowedAddresses.FirstOrDefault(allowed => !MetricsOptions.TryParseNetwork(allowed, out _));
        return bad is null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Metrics:AllowedAddresses: '{bad}' is not an IP address or a network such as 10.0.5.0/24");
    }
}
