using System.Net;
using System.Net.Http.Json;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Web;

public sealed class LoginPageTests
{
    [Fact]
    public async Task Root_Anonymous_ServesTheEmbeddedLoginPageWithSecurityHeaders()
    {
        using var factory = new VmManagerFactory();

        var response = await factory.CreateClient().GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"login-form\"", html);
        Assert.Contains("lang=\"fr\"", html);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Login_DemoAccount_SetsAStrictHttpOnlyCookie()
    {
        using var factory = new VmManagerFactory();

        var response = await factory.CreateClient().PostAsJsonAsync("/api/session", new { userName = "etudiant", password = "Etudiant-Demo1" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }
}
