using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Consoles;

public static class ConsolesExtensions
{
    /// <summary>Browser consoles. The Machines feature provides <see cref="IConsoleTargets"/>.</summary>
    public static WebApplicationBuilder AddConsoles(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton<ConsoleTickets>();
        services.AddSingleton<ConsoleSessions>();
        services.AddInstruments<ConsoleMetrics>();
        services.AddSingleton<ConsoleGate>();
        services.AddSingleton<ConsoleBridge>();
        services.AddHostedService<ConsoleClosing>();
        return builder;
    }

    public static WebApplication MapConsoles(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapConsoleEndpoints();
        // Close consoles with a reason rather than have the host abort them when its shutdown timeout ends.
        var sessions = app.Services.GetRequiredService<ConsoleSessions>();
        app.Lifetime.ApplicationStopping.Register(() => sessions.CloseAll("The server is restarting"));
        return app;
    }
}
