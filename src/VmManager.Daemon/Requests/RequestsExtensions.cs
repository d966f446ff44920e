using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Requests;

public static class RequestsExtensions
{
    public static WebApplicationBuilder AddRequests(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsValidator>();
        services.AddOptions<RequestsOptions>().BindConfiguration(RequestsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RequestsOptions>, RequestsOptionsValidator>();
        services.AddSingleton<SmtpMailer>();
        services.AddInstruments<MailMetrics>();
        services.AddSingleton<MailOutbox>();
        services.AddSingleton<MailRecipients>();
        services.AddSingleton<RequestMails>();
        services.AddSingleton<RequestStore>();
        services.AddSingleton<RequestService>();
        services.AddSingleton<MailSender>();
        services.AddHostedService(provider => provider.GetRequiredService<MailSender>());
        services.AddSingleton<LeaseWarnings>();
        services.AddHostedService(provider => provider.GetRequiredService<LeaseWarnings>());
        services.AddHealthChecks().AddCheck<SmtpHealthCheck>("smtp", tags: ["ready"]);
        return builder;
    }
}
