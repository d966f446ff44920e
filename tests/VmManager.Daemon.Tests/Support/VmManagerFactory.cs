using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Accounts;

namespace VmManager.Daemon.Tests.Support;

/// <summary>
/// The app in-process on a temp data folder (or a given one, to simulate a restart), with settings
/// layered over the demo defaults and, optionally, a test clock.
/// </summary>
public sealed class VmManagerFactory(IDictionary<string, string?>? settings = null, TempDirectory? data = null, TimeProvider? clock = null)
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
    }

    /// <summary>A client holding the session cookie of this demo or local account and its antiforgery token.</summary>
    public async Task<HttpClient> LoginAsync(string userName, string password)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/session", new { userName, password });
        Assert.True(response.IsSuccessStatusCode, $"login of {userName} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
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
