using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Tests.Support;

/// <summary>
/// The app in-process on a temp data folder (or a given one, to simulate a restart), with settings
/// layered over the demo defaults, optionally a test clock, and <paramref name="services"/> run after
/// the app's own registrations (to add or replace services).
/// </summary>
public sealed class VmManagerFactory(
    IDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null,
    TempDirectory? data = null,
    TimeProvider? clock = null)
    : WebApplicationFactory<Program>
{
    private readonly bool _ownsData = data is null;

    public TempDirectory Data { get; } = data ?? new TempDirectory();

    public string VmRoot => Path.Combine(Data.Path, "student_vms");

    /// <summary>
    /// Each data folder names its domains apart, so parallel tests never take each other's VMs for orphans,
    /// while a restart on the same folder (a new factory) finds its own again.
    /// </summary>
    public string NamePrefix => NamePrefixFor(Data.Path);

    public DomainNaming Naming => new(Microsoft.Extensions.Options.Options.Create(new MachinesOptions { NamePrefix = NamePrefix }));

    public static string NamePrefixFor(string dataFolder) =>
        "t" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataFolder)))[..8];

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
            ["Machines:VmRoot"] = VmRoot,
            ["Machines:NamePrefix"] = NamePrefix,
        }.Concat(settings ?? new Dictionary<string, string?>())));
        if (clock is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>A client holding the session cookie of this demo or local account and its antiforgery token.</summary>
    public async Task<HttpClient> LoginAsync(string userName, string password)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/session", new { userName, password });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"login of {userName} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await client.AddAntiforgeryTokenAsync();
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsData)
        {
            Data.Dispose();
        }
    }
}
