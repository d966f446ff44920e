using System.Globalization;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hypervisor;

public enum DomainState
{
    Missing,
    Running,
    Paused,
    ShuttingDown,
    ShutOff,
    Crashed,
    Other,
}

/// <summary>One domain as seen in a single <c>virsh domstats</c> pass.</summary>
public sealed record DomainStats(string Name, DomainState State, TimeSpan CpuTime, long MemoryKiB);

public sealed class VirshException(string message) : Exception(message);

/// <summary>All virsh syntax lives here. Output is parsed with LC_ALL=C so messages stay in English.</summary>
public sealed class Virsh(ICommandRunner runner, IOptions<HypervisorOptions> options)
{
    private static readonly Dictionary<string, string> CLocale = new() { ["LC_ALL"] = "C" };

    public async Task<string> VersionAsync(CancellationToken cancellationToken = default) =>
        (await RunAsync(["version", "--daemon"], cancellationToken)).Output.Trim();

    public Task DefineAsync(string xmlFile, CancellationToken cancellationToken = default) =>
        RunAsync(["define", "--file", xmlFile], cancellationToken);

    public Task StartAsync(string domain, CancellationToken cancellationToken = default) => OnDomainAsync("start", domain, cancellationToken);

    /// <summary>ACPI power button: the guest decides; callers force off after their own timeout.</summary>
    public Task ShutdownAsync(string domain, CancellationToken cancellationToken = default) => OnDomainAsync("shutdown", domain, cancellationToken);

    public Task RebootAsync(string domain, CancellationToken cancellationToken = default) => OnDomainAsync("reboot", domain, cancellationToken);

    public async Task DestroyAsync(string domain, CancellationToken cancellationToken = default)
    {
        // Destroying a domain that is already off is success for every caller.
        var result = await TryRunAsync(["destroy", "--domain", HypervisorNames.Require(domain)], cancellationToken);
        if (!result.Succeeded && !result.Output.Contains("not running", StringComparison.OrdinalIgnoreCase)
            && !IsMissingDomain(result))
        {
            throw new VirshException($"virsh destroy {domain}: {result.LastLine}");
        }
    }

    public async Task UndefineWithStorageAsync(string domain, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(["undefine", "--domain", HypervisorNames.Require(domain), "--remove-all-storage", "--nvram"], cancellationToken);
        if (!result.Succeeded && !IsMissingDomain(result))
        {
            throw new VirshException($"virsh undefine {domain}: {result.LastLine}");
        }
    }

    public async Task<DomainState> StateAsync(string domain, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(["domstate", "--domain", HypervisorNames.Require(domain)], cancellationToken);
        if (IsMissingDomain(result))
        {
            return DomainState.Missing;
        }
        return result.Succeeded ? ParseStateName(result.Output.Trim()) : throw new VirshException($"virsh domstate {domain}: {result.LastLine}");
    }

    /// <summary>The TCP port of the domain's VNC server; autoport picks it at start, so read it back every time.</summary>
    public async Task<int?> VncPortAsync(string domain, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(["domdisplay", "--domain", HypervisorNames.Require(domain), "--type", "vnc"], cancellationToken);
        return result.Succeeded ? ParseVncPort(result.Output) : null;
    }

    public async Task<string?> DomainNameAsync(string uuid, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(["domname", "--domain", HypervisorNames.Require(uuid)], cancellationToken);
        return result.Succeeded ? result.Output.Trim() : null;
    }

    /// <summary>State, CPU time and memory of every domain in one process, for the periodic refresh.</summary>
    public async Task<IReadOnlyList<DomainStats>> AllDomainStatsAsync(CancellationToken cancellationToken = default) =>
        ParseDomainStats((await RunAsync(["domstats", "--raw", "--state", "--cpu-total", "--balloon"], cancellationToken)).Output);

    /// <summary>
    /// Whether the network isolates its guests from each other (<c>&lt;port isolated='yes'/&gt;</c>: every guest port
    /// talks to the host only); null when the network is not defined.
    /// </summary>
    public async Task<bool?> NetworkIsolatesGuestsAsync(string network, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(["net-dumpxml", "--network", HypervisorNames.Require(network)], cancellationToken);
        if (!result.Succeeded)
        {
            return result.Output.Contains("Network not found", StringComparison.Ordinal) ? null : throw new VirshException($"virsh net-dumpxml: {result.LastLine}");
        }
        return System.Xml.Linq.XDocument.Parse(result.Output).Root?.Element("port")?.Attribute("isolated")?.Value == "yes";
    }

    public async Task<IReadOnlyList<string>> VolumesAsync(CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(["vol-list", "--pool", options.Value.StoragePool], cancellationToken);
        return ParseVolumeNames(result.Output);
    }

    /// <summary>libvirt 9 has no vol-list --name: read the first column of the table under its two header lines.</summary>
    internal static IReadOnlyList<string> ParseVolumeNames(string output) => output
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Skip(2)
        .Select(line => line.Split(' ', 2)[0])
        .ToList();

    public async Task DeleteVolumeAsync(string volume, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(["vol-delete", "--pool", options.Value.StoragePool, "--vol", HypervisorNames.Require(volume)], cancellationToken);
        if (!result.Succeeded && !result.Output.Contains("Storage volume not found", StringComparison.OrdinalIgnoreCase))
        {
            throw new VirshException($"virsh vol-delete {volume}: {result.LastLine}");
        }
    }

    internal static int? ParseVncPort(string output)
    {
        // "vnc://127.0.0.1:3" → display 3 → TCP port 5903
        var text = output.Trim();
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var display)
            ? 5900 + display
            : null;
    }

    internal static DomainState ParseStateName(string state) => state switch
    {
        "running" => DomainState.Running,
        "paused" or "pmsuspended" => DomainState.Paused,
        "in shutdown" => DomainState.ShuttingDown,
        "shut off" => DomainState.ShutOff,
        "crashed" => DomainState.Crashed,
        _ => DomainState.Other,
    };

    internal static IReadOnlyList<DomainStats> ParseDomainStats(string output)
    {
        var domains = new List<DomainStats>();
        string? name = null;
        var state = DomainState.Other;
        long cpuNanoseconds = 0, memory = 0;
        void Flush()
        {
            if (name is not null)
            {
                domains.Add(new DomainStats(name, state, TimeSpan.FromTicks(cpuNanoseconds / 100), memory));
            }
        }
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Domain: ", StringComparison.Ordinal))
            {
                Flush();
                name = line[8..].Trim('\'', '"');
                state = DomainState.Other;
                cpuNanoseconds = memory = 0;
            }
            else if (line.Split('=', 2) is [var key, var value] && long.TryParse(value, CultureInfo.InvariantCulture, out var number))
            {
                switch (key)
                {
                    case "state.state": state = StateFromNumber(number); break;
                    case "cpu.time": cpuNanoseconds = number; break;
                    case "balloon.current": memory = number; break;
                }
            }
        }
        Flush();
        return domains;
    }

    // virDomainState: 1 running, 2 blocked, 3 paused, 4 shutdown, 5 shutoff, 6 crashed, 7 pmsuspended
    private static DomainState StateFromNumber(long state) => state switch
    {
        1 or 2 => DomainState.Running,
        3 or 7 => DomainState.Paused,
        4 => DomainState.ShuttingDown,
        5 => DomainState.ShutOff,
        6 => DomainState.Crashed,
        _ => DomainState.Other,
    };

    private static bool IsMissingDomain(CommandResult result) =>
        !result.Succeeded && (result.Output.Contains("failed to get domain", StringComparison.OrdinalIgnoreCase)
                              || result.Output.Contains("Domain not found", StringComparison.OrdinalIgnoreCase));

    private async Task OnDomainAsync(string verb, string domain, CancellationToken cancellationToken) =>
        await RunAsync([verb, "--domain", HypervisorNames.Require(domain)], cancellationToken);

    private async Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await TryRunAsync(arguments, cancellationToken);
        return result.Succeeded ? result : throw new VirshException($"virsh {arguments[0]}: {result.LastLine}");
    }

    private Task<CommandResult> TryRunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var command = new CommandLine(settings.VirshPath, ["--connect", settings.LibvirtUri, .. arguments], TimeSpan.FromSeconds(settings.VirshTimeoutSeconds))
        {
            Environment = CLocale,
        };
        return runner.RunAsync(command, cancellationToken: cancellationToken);
    }
}
