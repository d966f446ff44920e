using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VmManager.Daemon.Tests.Support;

/// <summary>
/// The app in-process on a fresh temp data folder, with settings layered over the demo defaults.
/// <paramref name="services"/> runs after the app's own registrations (to add or replace services).
/// </summary>
public sealed class VmManagerFactory(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public TempDirectory Data { get; } = new();

    /// <summary>Serves on a real Kestrel socket (127.0.0.1, free port) for WebSockets, browsers and proxies; returns its address.</summary>
    public Uri StartKestrel()
    {
        UseKestrel(0);
        StartServer();
        return ClientOptions.BaseAddress;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Data.Path,
            ["Hypervisor:StoragePool"] = "vmm-rig",
        }.Concat(settings ?? new Dictionary<string, string?>())));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Data.Dispose();
        }
    }
}
