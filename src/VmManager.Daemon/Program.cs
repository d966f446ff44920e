using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hosting.Cli;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Storage;

if (AdminCli.IsCommand(args))
{
    return await AdminCli.RunAsync(args, CreateBuilder, CliConsole.System);
}

try
{
    var (builder, demo) = CreateBuilder(args);
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
    app.MapMetrics();
    app.MapAccounts();
    app.MapClasses();
    app.MapMachines();
    app.MapConsoles();
    app.MapRequests();

    await app.RunAsync();
    return 0;
}
catch (StartupException ex)
{
    Console.Error.WriteLine($"vm-manager: {ex.Message}");
    return StartupException.ExitCode;
}

// Every feature's services, shared with the admin commands (vm-manager users add …), which build
// the same host without ever starting it.
static (WebApplicationBuilder Builder, bool Demo) CreateBuilder(string[] args)
{
    var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var demo = builder.AddDaemonConfiguration(args);
    builder.AddHosting();
    builder.AddStorage();
    builder.AddHypervisor();
    builder.AddAccounts();
    builder.AddClasses();
    builder.AddMachines();
    builder.AddRequests();
    builder.AddConsoles();
    return (builder, demo);
}

public partial class Program;
