using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hypervisor;

public sealed class LibvirtHealthCheck(Virsh virsh) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // "Running against daemon: 9.0.0": the version is the value, the words are the UI's.
            var line = (await virsh.VersionAsync(cancellationToken)).Split('\n')[^1].Trim();
            return HealthCheckResult.Healthy(line, new Dictionary<string, object> { ["code"] = "libvirtVersion", ["version"] = line[(line.LastIndexOf(' ') + 1)..] });
        }
        catch (Exception ex) when (ex is VirshException or CommandTimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"libvirt unreachable: {ex.Message}");
        }
    }
}

/// <summary>Students' VMs share the management network: unless it isolates guest ports, each can reach the others.</summary>
public sealed class ManagementNetworkHealthCheck(Virsh virsh, IOptions<HypervisorOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var network = options.Value.ManagementNetwork;
        try
        {
            return await virsh.NetworkIsolatesGuestsAsync(network, cancellationToken) switch
            {
                true => HealthCheckResult.Healthy($"network {network} isolates the VMs from each other"),
                false => HealthCheckResult.Degraded(
                    $"network {network} lets VMs reach each other: add <port isolated='yes'/> to it (deploy/install.sh does)"),
                null => HealthCheckResult.Unhealthy($"network {network} is not defined (Hypervisor:ManagementNetwork)"),
            };
        }
        catch (Exception ex) when (ex is VirshException or CommandTimeoutException or InvalidOperationException or System.Xml.XmlException)
        {
            return HealthCheckResult.Unhealthy($"network {network} unreadable: {ex.Message}");
        }
    }
}

/// <summary>Only looks for the executable: starting Ruby costs a second, too much for a probe.</summary>
public sealed class VagrantHealthCheck(IOptions<HypervisorOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var vagrant = options.Value.VagrantPath;
        var found = ExecutableSearch.Find(vagrant);
        return Task.FromResult(found is null
            ? HealthCheckResult.Unhealthy($"'{vagrant}' not found (Hypervisor:VagrantPath, PATH)")
            : HealthCheckResult.Healthy(found, new Dictionary<string, object> { ["code"] = "vagrantFound", ["path"] = found }));
    }
}

public static class ExecutableSearch
{
    public static string? Find(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
    }
}
