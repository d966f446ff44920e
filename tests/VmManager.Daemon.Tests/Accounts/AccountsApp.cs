using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VmManager.Daemon.Storage;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>
/// The app in-process for the accounts tests: optionally a manual clock, logs kept for assertions, and a
/// client peer address chosen per client (the test server has none), standing for nginx or a browser.
/// </summary>
public sealed class AccountsApp : IDisposable
{
    public const string PeerHeader = "X-Test-Peer";
    private readonly VmManagerFactory _factory;

    public AccountsApp(IDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        _factory = new VmManagerFactory(settings);
        App = _factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IStartupFilter, PeerAddressFilter>();
            services.AddSingleton<ILoggerProvider>(Logs);
            if (clock is not null)
            {
                services.AddSingleton(clock);
            }
        }));
    }

    public WebApplicationFactory<Program> App { get; }

    public LogCollector Logs { get; } = new();

    public string DataDirectory => _factory.Data.Path;

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public Database Database => Service<Database>();

    /// <summary>A browser-like client (keeps cookies) seen from <paramref name="peer"/>, by default nginx on loopback.</summary>
    public HttpClient Client(string peer = "127.0.0.1")
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(PeerHeader, peer);
        return client;
    }

    /// <summary>A client logged in as <paramref name="userName"/> holding an antiforgery token header.</summary>
    public async Task<HttpClient> LoggedInAsync(string userName, string password, string peer = "127.0.0.1")
    {
        var client = Client(peer);
        var response = await client.LoginAsync(userName, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await client.AddAntiforgeryTokenAsync();
        return client;
    }

    public void Dispose()
    {
        App.Dispose();
        _factory.Dispose();
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(context.Request.Headers[PeerHeader].FirstOrDefault() ?? "127.0.0.1");
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

public static class AccountsClientExtensions
{
    public static Task<HttpResponseMessage> LoginAsync(this HttpClient client, string userName, string password) =>
        client.PostAsJsonAsync("/api/session", new { userName, password });

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>The value of a cookie this response sets, or null.</summary>
    public static string? SetCookie(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(cookie => cookie.StartsWith(name + "=", StringComparison.Ordinal))
            : null;
}

public sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector collector, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            collector.Entries.Enqueue((logLevel, category, exception is null ? formatter(state, exception) : $"{formatter(state, exception)}\n{exception}"));
    }
}
