using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>A logged-in browser stand-in: its session cookie travels with API calls and WebSocket upgrades.</summary>
public sealed class ConsoleUser(string userName, HttpClient http, CookieContainer cookies) : IDisposable
{
    public string UserName { get; } = userName;

    public HttpClient Http { get; } = http;

    public string CookieHeader => cookies.GetCookieHeader(Http.BaseAddress!);

    public void Dispose() => Http.Dispose();
}

/// <summary>
/// The daemon on a real Kestrel port with consoles whose VMs the test controls (<see cref="Targets"/>)
/// and a clock it can move (<see cref="Clock"/>).
/// </summary>
public sealed class ConsoleTestHost : IDisposable
{
    public const string Student = "etudiant";
    public const string Teacher = "enseignant";
    public const string Admin = "admin";

    private readonly Dictionary<string, string> _passwords = DemoAccounts.Seed.ToDictionary(account => account.UserName, account => account.Password);

    public ConsoleTestHost(IDictionary<string, string?>? settings = null, IConsoleTargets? targets = null)
    {
        Factory = new VmManagerFactory(settings, services =>
        {
            services.AddSingleton(targets ?? Targets);
            services.AddSingleton<TimeProvider>(Clock);
        });
        BaseAddress = Factory.StartKestrel();
    }

    public VmManagerFactory Factory { get; }

    public Uri BaseAddress { get; }

    /// <summary>The page's own origin, which the upgrade's Origin check accepts when Server:PublicOrigin is unset.</summary>
    public string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    public TestConsoleTargets Targets { get; } = new();

    public ManualClock Clock { get; } = new();

    public ConsoleSessions Sessions => Service<ConsoleSessions>();

    public T Service<T>()
        where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>One more local student account (the demo has only one), to check what students see of each other.</summary>
    public void AddStudent(string userName, string password)
    {
        Service<LocalAccountStore>().Create(userName, userName, null, Role.Student, password);
        _passwords[userName] = password;
    }

    public async Task<ConsoleUser> LoginAsync(string userName)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = BaseAddress };
        var response = await http.PostAsJsonAsync("/api/session", new { userName, password = _passwords[userName] });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await http.AddAntiforgeryTokenAsync();
        return new ConsoleUser(userName, http, cookies);
    }

    public static async Task<ConsoleTicketResponse> TicketAsync(ConsoleUser user, string vmId)
    {
        var response = await user.Http.PostAsJsonAsync("/api/consoles", new { vmId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ConsoleTicketResponse>())!;
    }

    /// <summary>A WebSocket upgrade as a browser makes it; on refusal the socket is null and the status says why.</summary>
    public async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> ConnectAsync(
        string path, ConsoleUser? user, string? origin = "", string? subProtocol = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (user is not null)
        {
            socket.Options.SetRequestHeader("Cookie", user.CookieHeader);
        }
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin.Length == 0 ? Origin : origin);
        }
        if (subProtocol is not null)
        {
            socket.Options.AddSubProtocol(subProtocol);
        }
        var uri = new UriBuilder(new Uri(BaseAddress, path)) { Scheme = "ws" }.Uri;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(uri, timeout.Token);
            return (socket, socket.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    /// <summary>Logs in, gets a ticket for the VM and opens its console; fails the test if any step is refused.</summary>
    public async Task<ClientWebSocket> OpenConsoleAsync(ConsoleUser user, string vmId, string? subProtocol = null)
    {
        var ticket = await TicketAsync(user, vmId);
        var (socket, status) = await ConnectAsync(ticket.WebSocketPath, user, subProtocol: subProtocol);
        Assert.True(socket is not null, $"the upgrade was refused with {(int)status}");
        return socket;
    }

    public void Dispose() => Factory.Dispose();
}
