using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Consoles;
using VmManager.Daemon.Tests.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>
/// The daemon on a real Kestrel port with the rig's slapd as directory and its classes (scripts/rig.sh:
/// net taught by tom holds carla and, through the nested group net-lab, dan; sys taught by iris holds
/// carla; élodie is in no class; ada is an admin). VMs are rows and consoles the test's own VNC sockets:
/// the point is who may see what, not real VMs.
/// </summary>
public sealed class ClassesApp : IDisposable
{
    public const string ClassesBase = "ou=classes,dc=school,dc=test";

    public static readonly IReadOnlyDictionary<string, string> Passwords = new Dictionary<string, string>
    {
        ["carla"] = "Carla-Pw6", ["dan"] = "Dan-Pw7", ["élodie"] = "Élodie-Pw5", ["tom"] = "Tom-Pw3", ["iris"] = "Iris-Pw8", ["ada"] = "Ada-Pw4",
    };

    private readonly TempDirectory _tools = new();

    public ClassesApp(RigFixture rig, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(RigSettings.Ldap(rig))
        {
            ["Ldap:TeacherGroups:0"] = "teachers",
            ["Ldap:TeacherGroups:1"] = "sys-teachers",
            ["Classes:Ldap:Enabled"] = "true",
            ["Classes:Ldap:BaseDn"] = ClassesBase,
            ["Classes:Ldap:TeacherGroup"] = "{id}-teachers",
            ["Hypervisor:VagrantPath"] = MachineFaultTests.FakeVagrant(_tools, "exit 1"),
            ["Machines:ReconcileIntervalSeconds"] = "3600",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        Factory = new VmManagerFactory(all, services => services.AddSingleton<IConsoleTargets>(Targets));
        BaseAddress = Factory.StartKestrel();
        var store = Service<ClassStore>();
        var reconciler = Service<Reconciler>();
        SpinWait.SpinUntil(() => store.SyncStatus()?.SyncedAt is not null && reconciler.LastPass is not null, TimeSpan.FromSeconds(60));
        Assert.True(store.SyncStatus()?.SyncedAt is not null, $"classes never read: {store.SyncStatus()?.LastError}");
    }

    public VmManagerFactory Factory { get; }

    public Uri BaseAddress { get; }

    public TestConsoleTargets Targets { get; } = new();

    public T Service<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>A browser stand-in logged in as a directory user, with the antiforgery header set.</summary>
    public async Task<ConsoleUser> LoginAsync(string userName, string? password = null)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = BaseAddress };
        // The rig's slapd is shared: another test may be restarting it (fault injection); a 503 is retried for a while.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage response;
        while ((response = await http.PostAsJsonAsync("/api/session", new { userName, password = password ?? Passwords[userName] })).StatusCode
               == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"login of {userName}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await http.AddAntiforgeryTokenAsync();
        return new ConsoleUser(userName, http, cookies);
    }

    /// <summary>A running VM of <paramref name="owner"/> whose console is <paramref name="vncPort"/>.</summary>
    public Machine RunningVm(string owner, int vncPort = 1)
    {
        var machine = MachineStoreTests.Insert(Service<MachineStore>(), owner, "vm-" + Guid.NewGuid().ToString("N")[..8], MachineStates.Running,
            Service<CredentialVault>().Protect("Owner-Only-Pw1"));
        Targets.Run(machine.Id, owner, vncPort);
        return machine;
    }

    /// <summary>Gets a ticket and opens the VM's console as a browser would (same session, the page's Origin).</summary>
    public async Task<ClientWebSocket> OpenConsoleAsync(ConsoleUser user, string vmId)
    {
        var response = await user.Http.PostAsJsonAsync("/api/consoles", new { vmId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ticket = (await response.Content.ReadFromJsonAsync<ConsoleTicketResponse>())!;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Cookie", user.CookieHeader);
        socket.Options.SetRequestHeader("Origin", BaseAddress.GetLeftPart(UriPartial.Authority));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new UriBuilder(new Uri(BaseAddress, ticket.WebSocketPath)) { Scheme = "ws" }.Uri, timeout.Token);
        return socket;
    }

    public void Dispose()
    {
        Factory.Dispose();
        _tools.Dispose();
    }
}
