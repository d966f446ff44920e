using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>The README's first command, run as a new user would: it must print a URL that serves the login page.</summary>
[Collection(RigCollection.Name)]
public sealed partial class RunScriptTests(RigFixture rig)
{
    [Fact]
    public async Task RunScript_FreshStart_PrintsTheUrlOfAWorkingLoginPage()
    {
        _ = rig.Env;
        var port = FreePort();
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["VMM_URL"] = $"http://127.0.0.1:{port}";
        using var run = Process.Start(start)!;
        try
        {
            var before = new List<string>();
            var printed = await ReadUntilUrlAsync(run.StandardOutput, before, TimeSpan.FromMinutes(5));
            Assert.Equal($"http://127.0.0.1:{port}", printed);
            // Minutes of installs and build are never silent: each step is named, then timed.
            Assert.Equal(3, before.Count(line => line.StartsWith("==> ", StringComparison.Ordinal)));
            Assert.Contains(before, line => line.StartsWith("==> building the daemon", StringComparison.Ordinal));
            Assert.Equal(3, before.Count(line => line.Trim().StartsWith("done in ", StringComparison.Ordinal)));
            using var client = new HttpClient { BaseAddress = new Uri(printed) };

            var page = await WaitForPageAsync(client);
            var login = await client.PostAsJsonAsync("/api/session", new { userName = "etudiant", password = "Etudiant-Demo1" });

            Assert.Contains("id=\"login-form\"", page);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }
        finally
        {
            run.Kill(entireProcessTree: true);
            await run.WaitForExitAsync();
        }
    }

    private static async Task<string> ReadUntilUrlAsync(StreamReader output, List<string> before, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (await output.ReadLineAsync(cancellation.Token) is { } line)
        {
            if (PrintedUrl().Match(line) is { Success: true } match)
            {
                return match.Groups[1].Value;
            }
            before.Add(line);
        }
        throw new InvalidOperationException("run.sh ended without printing its URL");
    }

    private static async Task<string> WaitForPageAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await client.GetStringAsync("/");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"VmManager \(demo\) → (http://\S+)")]
    private static partial Regex PrintedUrl();
}
