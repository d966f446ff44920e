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
        DemoDefaultsReport.Log((IConfigurationRoot)app.Configuration, app.Logger);
    }
    app.UseHosting();
    app.UseWebUi();
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapHealth();
    app.MapMetrics();
    app.MapApiDocument();
    app.MapAccounts();
    app.MapClasses();
    app.MapMachines();
    app.MapConsoles();
    app.MapRequests();

    var backgroundServices = HostingExtensions.BackgroundServices(app.Services);
    await app.RunAsync();
    return HostingExtensions.ExitCode(backgroundServices);
}
catch (StartupException ex)
{
    Console.Error.WriteLine(StartupException.Line(ex.Message, toJournal: !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"))));
    return StartupException.ExitCode;
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // An admin's mistake (another service on the port, a second daemon elsewhere): one line, exit 2.
    Console.Error.WriteLine($"vm-manager: Server:Url: {ex.Message} (another process listens there)");
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
