using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>Server-side sessions with the demo's local accounts: revocation, expiry, the cookie's contents and flags.</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task Login_DemoStudent_CookieHoldsOnlyTheSessionIdAndIdentityWhoseHashIsStored()
    {
        using var app = new AccountsApp();
        var response = await app.Client().LoginAsync("etudiant", "Etudiant-Demo1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.SetCookie("vmm_session")!;
        var value = cookie[(cookie.IndexOf('=') + 1)..cookie.IndexOf(';')];
        var options = app.Service<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var ticket = options.TicketDataFormat.Unprotect(value)!;
        var claims = ticket.Principal.Claims.ToDictionary(claim => claim.Type, claim => claim.Value);
        Assert.Equal(4, claims.Count);
        Assert.Equal("etudiant", claims[System.Security.Claims.ClaimTypes.Name]);
        Assert.Equal("Student", claims[System.Security.Claims.ClaimTypes.Role]);
        var sessionId = claims[SessionStore.SessionIdClaim];
        using var connection = app.Database.Open();
        var stored = connection.QuerySingle<(string IdHash, string UserName, string Role, string ClientAddress)>(
            "SELECT id_hash, user_name, role, client_address FROM sessions");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId))), stored.IdHash);
        Assert.Equal(("etudiant", "student", "127.0.0.1"), (stored.UserName, stored.Role, stored.ClientAddress));
        Assert.Equal(0, connection.ExecuteScalar<int>("SELECT COUNT(*) FROM sessions WHERE id_hash = @sessionId", new { sessionId }));
    }

    [Fact]
    public async Task Logout_WithToken_RevokesTheSessionSoAReplayedCookieIsRefused()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        var login = await client.LoginAsync("etudiant", "Etudiant-Demo1");
        var stolenCookie = login.SetCookie("vmm_session")!.Split(';')[0];
        await client.AddAntiforgeryTokenAsync();
        var revoked = new List<string>();
        app.Service<SessionRevocations>().Revoked += revoked.Add;

        var logout = await client.DeleteAsync("/api/session");

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/session")).StatusCode);
        Assert.Equal(["etudiant"], revoked);
        var replay = app.Client();
        replay.DefaultRequestHeaders.Add("Cookie", stolenCookie);
        var response = await replay.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var connection = app.Database.Open();
        Assert.NotNull(connection.ExecuteScalar<string>("SELECT revoked_at FROM sessions"));
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_Is400AndTheSessionLives()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        await client.LoginAsync("etudiant", "Etudiant-Demo1");

        var logout = await client.DeleteAsync("/api/session");

        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Equal("antiforgery-token-invalid", (await logout.JsonAsync()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Logout_WithAnotherSessionsToken_Is400()
    {
        using var app = new AccountsApp();
        var victim = app.Client();
        await victim.LoginAsync("etudiant", "Etudiant-Demo1");
        // Same user, another session: its token is bound to that session's claims.
        var other = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        victim.DefaultRequestHeaders.Add("X-CSRF-TOKEN", other.DefaultRequestHeaders.GetValues("X-CSRF-TOKEN").Single());

        var logout = await victim.DeleteAsync("/api/session");

        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
    }

    [Fact]
    public async Task RevokeAllFor_AdminRequest_EndsEverySessionOfThatUserOnly()
    {
        using var app = new AccountsApp();
        var laptop = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        var phone = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        var teacher = await app.LoggedInAsync("enseignant", "Enseignant-Demo1");
        var admin = await app.LoggedInAsync("admin", "Admin-Demo1");
        var revoked = new List<string>();
        app.Service<SessionRevocations>().Revoked += revoked.Add;

        var response = await admin.DeleteAsync("/api/admin/users/etudiant/sessions");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.JsonAsync()).GetProperty("revoked").GetInt32());
        Assert.Equal(["etudiant"], revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/session")).StatusCode);
        var audit = await admin.GetFromJsonAsync<AuditPage>("/api/admin/audit?action=session.revoke-all");
        var entry = Assert.Single(audit!.Items);
        Assert.Equal(("admin", "etudiant"), (entry.Actor, entry.Target));
    }

    [Fact]
    public async Task Session_IdleLongerThanSessionMinutes_Expires()
    {
        var clock = new ManualClock();
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:SessionMinutes"] = "30" }, clock);
        var client = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");

        clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Session_ActiveUser_SlidesWritingAtMostOnceAMinute()
    {
        var clock = new ManualClock();
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:SessionMinutes"] = "30" }, clock);
        var client = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        var loginTime = clock.GetUtcNow();
        using var connection = app.Database.Open();
        string LastSeen() => connection.ExecuteScalar<string>("SELECT last_seen_at FROM sessions")!;
        var atLogin = LastSeen();

        clock.Advance(TimeSpan.FromSeconds(50));
        var early = await client.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Equal(atLogin, LastSeen());
        Assert.Null(early.SetCookie("vmm_session"));

        // Each request 20 minutes apart: 80 minutes after login, far past 30, still in.
        for (var step = 0; step < 4; step++)
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            var response = await client.GetAsync("/api/session");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotNull(response.SetCookie("vmm_session"));
        }
        Assert.True(clock.GetUtcNow() - loginTime > TimeSpan.FromMinutes(80));
        Assert.NotEqual(atLogin, LastSeen());
    }

    [Fact]
    public async Task Session_ActiveBeyondMaxSessionHours_ExpiresEvenWhileSliding()
    {
        var clock = new ManualClock();
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:SessionMinutes"] = "30", ["Accounts:MaxSessionHours"] = "1" }, clock);
        var client = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");

        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/session")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/session")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Session_RevokedInTheTable_NextRequestIs401()
    {
        using var app = new AccountsApp();
        var client = await app.LoggedInAsync("etudiant", "Etudiant-Demo1");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/session")).StatusCode);
        using var connection = app.Database.Open();

        connection.Execute("UPDATE sessions SET revoked_at = @now", new { now = DateTimeOffset.UtcNow });

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Session_RoleChangedInTheTable_NextRequestHasTheNewRole()
    {
        using var app = new AccountsApp();
        var client = await app.LoggedInAsync("enseignant", "Enseignant-Demo1");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/classes")).StatusCode);
        using var connection = app.Database.Open();

        connection.Execute("UPDATE sessions SET role = 'student'");

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/classes")).StatusCode);
        Assert.Equal("Student", (await client.GetFromJsonAsync<SessionUser>("/api/session"))!.Role);
    }

    [Fact]
    public async Task Login_AgainWithAnotherRole_OtherLiveSessionsTakeIt()
    {
        using var app = new AccountsApp();
        var laptop = await app.LoggedInAsync("enseignant", "Enseignant-Demo1");
        using var connection = app.Database.Open();
        // As if the directory had moved the teacher out of the teachers' group since that login.
        connection.Execute("UPDATE sessions SET role = 'admin'");

        await app.LoggedInAsync("enseignant", "Enseignant-Demo1");

        Assert.Equal("Teacher", (await laptop.GetFromJsonAsync<SessionUser>("/api/session"))!.Role);
        Assert.Equal(["teacher", "teacher"], connection.Query<string>("SELECT role FROM sessions"));
    }

    [Theory]
    [InlineData("127.0.0.1", "https", true)]
    [InlineData("127.0.0.1", null, false)]
    [InlineData("203.0.113.9", "https", false)] // not a known proxy: its X-Forwarded-Proto is ignored
    public async Task Login_ForwardedProto_CookiesAreSecureOnlyOverHttpsFromATrustedProxy(string peer, string? forwardedProto, bool secure)
    {
        using var app = new AccountsApp();
        var client = app.Client(peer);
        if (forwardedProto is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }

        var login = await client.LoginAsync("etudiant", "Etudiant-Demo1");
        var antiforgery = await AntiforgeryResponseAsync(app, peer, forwardedProto, login.SetCookie("vmm_session")!.Split(';')[0]);

        foreach (var cookie in new[] { login.SetCookie("vmm_session")!, antiforgery.SetCookie(AntiforgeryExtensions.CookieName)! })
        {
            Assert.Equal(secure, cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase));
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Login_FormPostFromAnotherSite_Is415AndSetsNoCookie()
    {
        using var app = new AccountsApp();

        var response = await app.Client().PostAsync("/api/session",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["userName"] = "etudiant", ["password"] = "Etudiant-Demo1" }));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Null(response.SetCookie("vmm_session"));
    }

    [Theory]
    [InlineData("etudiant", "Etudiant-Demo1", "Student", "Élève Démo")]
    [InlineData("enseignant", "Enseignant-Demo1", "Teacher", "Enseignant Démo")]
    [InlineData("admin", "Admin-Demo1", "Admin", "Admin Démo")]
    public async Task Current_AfterLogin_ReturnsUserAndRole(string userName, string password, string role, string displayName)
    {
        using var app = new AccountsApp();
        var client = await app.LoggedInAsync(userName, password);

        var user = await client.GetFromJsonAsync<SessionUser>("/api/session");

        Assert.Equal(new SessionUser(userName, displayName, role), user);
    }

    private static async Task<HttpResponseMessage> AntiforgeryResponseAsync(AccountsApp app, string peer, string? forwardedProto, string sessionCookie)
    {
        // The secure session cookie would not be sent back over the test's http:// by a cookie container.
        var client = app.Client(peer);
        client.DefaultRequestHeaders.Add("Cookie", sessionCookie);
        if (forwardedProto is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }
        var response = await client.GetAsync("/api/session/antiforgery");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }
}
