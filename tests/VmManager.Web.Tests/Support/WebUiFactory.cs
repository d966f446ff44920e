using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>
/// The daemon in-process on a real loopback port (a browser cannot reach a TestServer), on a fresh
/// temp data folder, with settings layered over the demo defaults (accounts etudiant, enseignant, admin).
/// </summary>
public sealed class WebUiFactory : WebApplicationFactory<Program>
{
    public const string StudentPassword = "Etudiant-Demo1";
    public const string TeacherPassword = "Enseignant-Demo1";
    public const string AdminPassword = "Admin-Demo1";

    private readonly IDictionary<string, string?> _settings;
    private readonly FakeVagrant? _fakeVagrant;
    private readonly List<IBrowserContext> _browsers = [];

    /// <param name="realRig">
    /// True: the rig's Vagrant and libvirt, for real VMs. False: a <see cref="FakeVagrant"/> (VMs stay
    /// "creating") and libvirt's built-in test driver, so this daemon's reconciler never touches the
    /// rig's domains, which other tests may be using.
    /// </param>
    /// <param name="settings">Configuration layered over the demo defaults (and over the fake hypervisor's).</param>
    public WebUiFactory(bool realRig, IDictionary<string, string?>? settings = null)
    {
        _fakeVagrant = realRig ? null : new FakeVagrant();
        var hypervisor = _fakeVagrant is null ? [] : new Dictionary<string, string?>(_fakeVagrant.Settings)
        {
            ["Hypervisor:LibvirtUri"] = "test:///default",
            ["Hypervisor:StoragePool"] = "default-pool",
            // libvirt's test driver has one network, "default" (not isolated: the network check says Degraded).
            ["Hypervisor:ManagementNetwork"] = "default",
        };
        _settings = hypervisor.Concat(settings ?? new Dictionary<string, string?>()).ToDictionary(pair => pair.Key, pair => pair.Value);
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
    }

    public TempDirectory Data { get; } = new();

    /// <summary>http://127.0.0.1:port, where the browser goes.</summary>
    public string BaseUrl { get; }

    /// <summary>A real HTTP client holding the session cookie and antiforgery token of a demo account, as another browser would.</summary>
    public async Task<HttpClient> LoginAsync(string userName, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(BaseUrl) };
        var response = await client.PostAsJsonAsync("/api/session", new { userName, password });
        Assert.True(response.IsSuccessStatusCode, $"login of {userName} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await client.AddAntiforgeryTokenAsync();
        return client;
    }

    /// <summary>Browsers on this app are closed before it stops: an open event stream would hold its shutdown.</summary>
    public void Track(IBrowserContext browser) => _browsers.Add(browser);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Data.Path,
            ["Machines:VmRoot"] = Path.Combine(Data.Path, "student_vms"),
        }.Concat(_settings)));
    }

    protected override void Dispose(bool disposing)
    {
        // Open pages (their event streams) and the fake vagrants' jobs would each hold the daemon's shutdown.
        foreach (var browser in _browsers)
        {
            browser.CloseAsync().GetAwaiter().GetResult();
        }
        _browsers.Clear();
        _fakeVagrant?.Dispose();
        base.Dispose(disposing);
        if (disposing)
        {
            Data.Dispose();
        }
    }
}
