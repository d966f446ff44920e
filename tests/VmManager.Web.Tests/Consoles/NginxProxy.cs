using System.Diagnostics;
using System.Net.Sockets;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Consoles;

/// <summary>
/// A real nginx on loopback running the repository's deploy/nginx.conf, with only what an admin edits
/// replaced (ports, certificate, upstream, log folder) and a throwaway self-signed certificate.
/// </summary>
public sealed class NginxProxy : IDisposable
{
    private readonly TempDirectory _folder;
    private readonly Process _process;

    private NginxProxy(TempDirectory folder, Process process)
    {
        _folder = folder;
        _process = process;
    }

    public string AccessLog => File.Exists(_folder.File("vm-manager.access.log")) ? File.ReadAllText(_folder.File("vm-manager.access.log")) : "";

    public static async Task<NginxProxy> StartAsync(int httpsPort, int httpPort, int upstreamPort)
    {
        var folder = new TempDirectory();
        var (certificate, key) = (folder.File("cert.pem"), folder.File("key.pem"));
        await RunAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate);
        var site = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "nginx.conf"));
        site = Replace(site, "listen 443 ssl;", $"listen 127.0.0.1:{httpsPort} ssl;");
        site = Replace(site, "listen 80;", $"listen 127.0.0.1:{httpPort};");
        site = Replace(site, "listen [::]:443 ssl;", "");
        site = Replace(site, "listen [::]:80;", "");
        site = Replace(site, "server 127.0.0.1:5000;", $"server 127.0.0.1:{upstreamPort};");
        site = Replace(site, "/etc/ssl/certs/vm-manager.crt", certificate);
        site = Replace(site, "/etc/ssl/private/vm-manager.key", key);
        site = Replace(site, "/var/log/nginx/", folder.Path + "/");
        File.WriteAllText(folder.File("site.conf"), site);
        // What Debian's /etc/nginx/nginx.conf provides around a site, kept inside the temp folder.
        File.WriteAllText(folder.File("nginx.conf"), $$"""
            user root;
            worker_processes 1;
            pid {{folder.File("nginx.pid")}};
            error_log {{folder.File("error.log")}} warn;
            events { worker_connections 256; }
            http {
                client_body_temp_path {{folder.File("client_body")}};
                proxy_temp_path {{folder.File("proxy")}};
                fastcgi_temp_path {{folder.File("fastcgi")}};
                uwsgi_temp_path {{folder.File("uwsgi")}};
                scgi_temp_path {{folder.File("scgi")}};
                include {{folder.File("site.conf")}};
            }
            """);
        var start = new ProcessStartInfo("nginx") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-c", folder.File("nginx.conf"), "-e", folder.File("error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        var proxy = new NginxProxy(folder, process);
        try
        {
            await WaitForPortAsync(httpsPort, process, folder);
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _folder.Dispose();
    }

    /// <summary>Fails loudly when deploy/nginx.conf no longer has the line the test adapts (the template drifted).</summary>
    private static string Replace(string text, string expected, string replacement)
    {
        Assert.True(text.Contains(expected, StringComparison.Ordinal), $"deploy/nginx.conf no longer contains '{expected}'");
        return text.Replace(expected, replacement, StringComparison.Ordinal);
    }

    private static async Task WaitForPortAsync(int port, Process process, TempDirectory folder)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            Assert.False(process.HasExited, $"nginx exited: {await process.StandardError.ReadToEndAsync()} {ReadIfExists(folder.File("error.log"))}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await error}");
    }
}
