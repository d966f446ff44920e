using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace VmManager.Daemon.Tests.Support;

/// <summary>The app in-process on a fresh temp data folder, with settings layered over the demo defaults.</summary>
public sealed class VmManagerFactory(IDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public TempDirectory Data { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Data.Path,
            ["Hypervisor:StoragePool"] = "vmm-rig",
        }.Concat(settings ?? new Dictionary<string, string?>())));
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
