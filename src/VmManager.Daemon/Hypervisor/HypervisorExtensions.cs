using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hypervisor;

public static class HypervisorExtensions
{
    public static WebApplicationBuilder AddHypervisor(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HypervisorOptions>().BindConfiguration(HypervisorOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HypervisorOptions>, HypervisorOptionsValidator>();
        services.AddSingleton<ICommandRunner, ProcessRunner>();
        services.AddSingleton<Virsh>();
        services.AddSingleton<Vagrant>();
        services.AddHealthChecks()
            .AddCheck<LibvirtHealthCheck>("libvirt", tags: ["ready"])
            .AddCheck<VagrantHealthCheck>("vagrant", tags: ["ready"])
            .AddCheck<ManagementNetworkHealthCheck>("network", tags: ["ready"]);
        return builder;
    }
}
