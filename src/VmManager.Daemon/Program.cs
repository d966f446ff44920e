using VmManager.Daemon.Accounts;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Storage;

try
{
    var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var demo = builder.AddDaemonConfiguration(args);
    builder.AddHosting();
    builder.AddStorage();
    builder.AddHypervisor();
    builder.AddAccounts();
    builder.AddRequests();
    builder.AddConsoles();

    var app = builder.Build();
    app.ValidateStartup();
    if (demo)
    {
        app.Logger.LogWarning("No config file at {Path}: running with the embedded demo defaults", DaemonConfiguration.DefaultPath);
    }
    app.UseHosting();
    app.UseWebUi();
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapHealth();
    app.MapAccounts();
    app.MapConsoles();

    await app.RunAsync();
    return 0;
}
catch (StartupException ex)
{
    Console.Error.WriteLine($"vm-manager: {ex.Message}");
    return StartupException.ExitCode;
}

public partial class Program;
