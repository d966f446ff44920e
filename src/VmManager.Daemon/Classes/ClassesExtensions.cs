using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

public static class ClassesExtensions
{
    public static WebApplicationBuilder AddClasses(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ClassesOptions>().BindConfiguration(ClassesOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClassesOptions>, ClassesOptionsValidator>();
        services.AddSingleton<ClassStore>();
        services.AddSingleton<Visibility>();
        services.AddSingleton<IGroupQuotas, ClassQuotas>();
        services.AddSingleton<LdapClassReader>();
        services.AddSingleton<ClassSync>();
        services.AddHostedService(provider => provider.GetRequiredService<ClassSync>());
        services.AddHostedService<DemoClass>();
        services.AddHealthChecks().AddCheck<ClassesHealthCheck>("classes", tags: ["ready"]);
        return builder;
    }
}
