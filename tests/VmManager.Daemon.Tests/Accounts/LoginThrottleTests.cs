using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>
/// Failed-login throttling with the demo's local accounts. The tests that wait for a block to pass configure a
/// window of a second or two instead of 60.
/// </summary>
public sealed class LoginThrottleTests
{
    [Fact]
    public async Task Login_SixthBadAttemptWithinTheWindow_Is429WithRetryAfterEvenWithTheRightPassword()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync("etudiant", $"wrong-{attempt}")).StatusCode);
        }

        var sixth = await client.LoginAsync("etudiant", "wrong-6");
        var right = await client.LoginAsync("etudiant", "Etudiant-Demo1");

        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal("login-throttled", (await sixth.JsonAsync()).GetProperty("type").GetString());
        var retryAfter = sixth.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.Equal(TimeSpan.FromSeconds(60), retryAfter.Value);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Null(right.SetCookie("vmm_session"));
    }

    [Fact]
    public async Task Login_AfterTheWindow_GoodPasswordWorksAgain()
    {
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:FailedLoginWindowSeconds"] = "2" });
        var client = app.Client();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await client.LoginAsync("etudiant", "wrong");
        }
        var locked = await client.LoginAsync("etudiant", "Etudiant-Demo1");
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);

        await Task.Delay(locked.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromMilliseconds(500));

        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("etudiant", "Etudiant-Demo1")).StatusCode);
    }

    [Theory]
    [InlineData("enseignant", "Enseignant-Demo1", "198.51.100.20")]
    [InlineData("admin", "Admin-Demo1", "127.0.0.1")] // the break-glass admin on the server itself (ssh -L)
    public async Task Login_FiftyFailuresFromOneAddress_TheOwnerFromAnotherAddressGetsInAtOnce(string userName, string password, string ownerAddress)
    {
        using var app = new AccountsApp();
        var attacker = app.Client("203.0.113.66");
        var answers = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 50; attempt++)
        {
            answers.Add((await attacker.LoginAsync(userName, $"guess-{attempt}")).StatusCode);
        }

        var owner = await app.Client(ownerAddress).LoginAsync(userName, password);

        Assert.Equal(5, answers.Count(status => status == HttpStatusCode.Unauthorized));
        Assert.Equal(45, answers.Count(status => status == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.LoginAsync(userName, password)).StatusCode);
    }

    [Fact]
    public async Task Login_GuessingAgainAfterEachBlock_WaitsTwiceAsLongUpToTheMaximum()
    {
        var clock = new ManualClock();
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:MaxFailedLoginDelaySeconds"] = "200" }, clock);
        var client = app.Client("203.0.113.67");
        var blocks = new List<TimeSpan?>();
        for (var block = 0; block < 3; block++)
        {
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync("etudiant", "wrong")).StatusCode);
            }
            var refused = await client.LoginAsync("etudiant", "Etudiant-Demo1");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            blocks.Add(refused.Headers.RetryAfter?.Delta);
            clock.Advance(refused.Headers.RetryAfter!.Delta!.Value);
        }

        Assert.Equal([TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(200)], blocks);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("etudiant", "Etudiant-Demo1")).StatusCode);
    }

    [Fact]
    public async Task Login_IPv6AddressesOfOneSlash64_ShareTheAddressLimit()
    {
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:MaxFailedLoginsPerAddress"] = "5" });
        for (var host = 1; host <= 5; host++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client($"2001:db8:1:2::{host:x}").LoginAsync($"user{host}", "wrong")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.Client("2001:db8:1:2::99").LoginAsync("etudiant", "Etudiant-Demo1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client("2001:db8:1:3::1").LoginAsync("etudiant", "Etudiant-Demo1")).StatusCode);
    }

    [Fact]
    public async Task Login_SuccessfulLogins_DoNotCountTowardTheLimit()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("etudiant", "Etudiant-Demo1")).StatusCode);
        }

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync("etudiant", "wrong")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.LoginAsync("etudiant", "wrong")).StatusCode);
    }

    [Fact]
    public async Task Login_CaseSpacingAndUnicodeVariantsOfAName_ShareOneLimit()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        // The fullwidth spelling is the same name once NFKC-normalized, as the directory would match it.
        foreach (var variant in new[] { "etudiant", "ETUDIANT", " Etudiant ", "ｅｔｕｄｉａｎｔ", "etudiant" })
        {
            await client.LoginAsync(variant, "wrong");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.LoginAsync("EtUdIaNt", "wrong")).StatusCode);
    }

    [Fact]
    public async Task Login_TwentyParallelGuesses_OnlyFiveAreTried()
    {
        using var app = new AccountsApp();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => app.Client().LoginAsync("etudiant", $"guess-{i}")));

        Assert.Equal(5, responses.Count(response => response.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(15, responses.Count(response => response.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Login_ManyAccountsFromOneAddress_HitTheAddressLimitOtherAddressesDoNot()
    {
        using var app = new AccountsApp(new Dictionary<string, string?>
        {
            ["Accounts:MaxFailedLoginsPerAccount"] = "2",
            ["Accounts:MaxFailedLoginsPerAddress"] = "3",
        });
        // Behind nginx: the browser's address comes from X-Forwarded-For.
        var attacker = app.Client();
        attacker.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.7");
        var classroom = app.Client();
        classroom.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.8");
        foreach (var account in new[] { "alpha", "beta", "gamma" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LoginAsync(account, "wrong")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.LoginAsync("delta", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await classroom.LoginAsync("delta", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await classroom.LoginAsync("etudiant", "Etudiant-Demo1")).StatusCode);
    }

    [Fact]
    public async Task Login_Throttled_LogsAWarningAndAuditsOncePerWindowNeverThePassword()
    {
        using var app = new AccountsApp();
        var client = app.Client();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.44");
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            await client.LoginAsync("etudiant", "Secret-Guess-42");
        }

        var warning = Assert.Single(app.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("too many failed attempts"));
        Assert.Contains("etudiant", warning.Message);
        Assert.Contains("192.0.2.44", warning.Message);
        Assert.DoesNotContain(app.Logs.Entries, entry => entry.Message.Contains("Secret-Guess-42"));
        var page = app.Service<AuditLog>().Find(new AuditQuery("etudiant", AuditActions.Login, null, null, 1, 50));
        Assert.Equal(5, page.Items.Count(entry => entry.Outcome == AuditOutcomes.Failure));
        var throttled = Assert.Single(page.Items, entry => entry.Outcome == AuditOutcomes.Throttled);
        Assert.Equal("192.0.2.44", throttled.ClientAddress);
        Assert.DoesNotContain(page.Items, entry => (entry.Detail ?? "").Contains("Secret-Guess-42"));
    }

    [Theory]
    [InlineData("", "x", "userName")]
    [InlineData("   ", "x", "userName")]
    [InlineData("etudiant", "", "password")]
    [InlineData("etu\ndiant", "x", "userName")]
    public async Task Login_InvalidFields_Is400NamingTheFieldAndIsNotCounted(string userName, string password, string field)
    {
        using var app = new AccountsApp();
        var client = app.Client();

        var response = await client.LoginAsync(userName, password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await client.LoginAsync(userName.Length == 0 ? "etudiant" : userName, "");
        }
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/session", new { userName = "etudiant", password = "Etudiant-Demo1" })).StatusCode);
    }
}
