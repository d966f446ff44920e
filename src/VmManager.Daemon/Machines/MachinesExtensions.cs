using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Machines;

public static class MachinesExtensions
{
    public static WebApplicationBuilder AddMachines(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MachinesOptions>().BindConfiguration(MachinesOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MachinesOptions>, MachinesOptionsValidator>();
        services.AddSingleton<MachineStore>();
        services.AddSingleton<DomainNaming>();
        services.AddSingleton<MachineEvents>();
        services.AddSingleton<JobSignal>();
        services.AddSingleton<CredentialVault>();
        services.AddSingleton<BoxCatalog>();
        services.AddHostedService(provider => provider.GetRequiredService<BoxCatalog>());
        services.AddSingleton<MachineRuntimeCache>();
        services.AddSingleton<MachineOperations>();
        services.AddSingleton<MachineService>();
        services.AddSingleton<Consoles.IConsoleTargets, MachineConsoleTargets>();
        services.AddHealthChecks().AddCheck<TemplateHealthCheck>("templates", tags: ["ready"]);
        // Order matters at start: the worker requeues interrupted jobs before the reconciler's first pass.
        services.AddInstruments<MachineMetrics>();
        services.AddSingleton<JobWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<JobWorker>());
        services.AddSingleton<Reconciler>();
        services.AddHostedService(provider => provider.GetRequiredService<Reconciler>());
        services.AddSingleton<MachineRuntimeMonitor>();
        services.AddHostedService(provider => provider.GetRequiredService<MachineRuntimeMonitor>());
        return builder;
    }
}
