using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>Logins through the HTTP API against the rig's real slapd.</summary>
[Collection(RigCollection.Name)]
public sealed partial class LdapLoginTests(RigFixture rig)
{
    private const string PeopleBase = "ou=people,dc=school,dc=test";

    [Theory]
    [InlineData("StartTls", "alice", "Alice-Pw1", "Alice Dupré", "Student")]
    [InlineData("StartTls", "tom", "Tom-Pw3", "Tom Lefèvre", "Teacher")]
    [InlineData("StartTls", "ada", "Ada-Pw4", "Ada Roux", "Admin")] // admins is a posixGroup (memberUid)
    [InlineData("Ldaps", "alice", "Alice-Pw1", "Alice Dupré", "Student")]
    [InlineData("Ldaps", "ada", "Ada-Pw4", "Ada Roux", "Admin")]
    [InlineData("StartTls", "élodie", "Élodie-Pw5", "Élodie Fauré", "Student")]
    // Accents in the password: .NET's Linux bind was reported to cut UTF-8 passwords (dotnet/runtime#76125, #82601).
    [InlineData("StartTls", "zoe", "Été-2026-Élodie", "Zoé Garnier", "Student")]
    [InlineData("Ldaps", "zoe", "Été-2026-Élodie", "Zoé Garnier", "Student")]
    public async Task Login_DirectoryUser_GetsTheRoleOfTheirGroups(string security, string userName, string password, string displayName, string role)
    {
        using var app = App(security);
        var client = app.Client();

        var login = await client.LoginAsync(userName, password);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(new SessionUser(userName, displayName, role), await client.GetFromJsonAsync<SessionUser>("/api/session"));
    }

    [Fact]
    public async Task Login_UnknownUser_SameAnswerAsAWrongPasswordAndAlsoCostsABind()
    {
        using var app = App();
        var log = new SlapdLog(rig);

        var wrongPassword = await app.Client().LoginAsync("alice", "not-her-password");
        var unknownUser = await app.Client().LoginAsync("nobody-here", "not-her-password");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(wrongPassword.StatusCode, unknownUser.StatusCode);
        Assert.Equal(WithoutTraceId(await wrongPassword.JsonAsync()), WithoutTraceId(await unknownUser.JsonAsync()));
        Assert.Contains(49, await log.WaitForBindAsync($"uid=alice,{PeopleBase}"));
        Assert.Contains(49, await log.WaitForBindAsync($"uid=vmm-unknown-user,{rig["LDAP_BASE"]}"));
    }

    [Fact]
    public async Task Login_EmptyPassword_Is400AndNeverReachesTheDirectory()
    {
        using var app = App();
        var log = new SlapdLog(rig);

        var empty = await app.Client().LoginAsync("bob", "");
        // A later login whose bind shows the log has caught up with everything the first one could have done.
        await app.Client().LoginAsync("tom", "wrong");
        await log.WaitForBindAsync($"uid=tom,{PeopleBase}");

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.JsonAsync()).GetProperty("errors").TryGetProperty("password", out _));
        Assert.Empty(log.BindResults($"uid=bob,{PeopleBase}"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*)(uid=*")]
    [InlineData("admin)(|(uid=*")]
    [InlineData("alice)(|(uid=*")]
    [InlineData("a*")]
    [InlineData("alice\\2a")]
    public async Task Login_FilterInjection_LogsInAsNobody(string userName)
    {
        using var app = App();
        foreach (var password in new[] { "Alice-Pw1", "Ada-Pw4", "Tom-Pw3", "Bob-Pw2!é" })
        {
            var response = await app.Client().LoginAsync(userName, password);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Null(response.SetCookie("vmm_session"));
        }
    }

    [Fact]
    public async Task Login_ThousandCharacterName_Is400()
    {
        using var app = App();

        var response = await app.Client().LoginAsync(new string('a', 1000), "Alice-Pw1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("userName", out _));
    }

    [Fact]
    public async Task Login_AliceWithElodiesPassword_Fails()
    {
        using var app = App();

        var response = await app.Client().LoginAsync("alice", "Élodie-Pw5");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Login_DirectoryStopped_Is503SayingItIsUnreachable()
    {
        using var app = App();
        HttpResponseMessage response;
        using (StoppedRigPart.Stop("ldap"))
        {
            response = await app.Client().LoginAsync("alice", "Alice-Pw1");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("directory-unavailable", problem.GetProperty("type").GetString());
        Assert.Contains("unreachable", problem.GetProperty("title").GetString());
        // Not a failed attempt: once the directory is back, the same login works at once.
        Assert.Equal(HttpStatusCode.OK, (await app.Client().LoginAsync("alice", "Alice-Pw1")).StatusCode);
    }

    /// <summary>libldap reads the CA once per process, so a different CA needs its own daemon process.</summary>
    [Fact]
    public async Task Login_WrongCaFile_Is503()
    {
        using var data = new TempDirectory();
        var wrongCa = data.File("other-ca.pem");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Not the rig CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(wrongCa, certificate.ExportCertificatePem());
        }
        var ldap = RigSettings.Ldap(rig).ToDictionary(setting => setting.Key["Ldap:".Length..], setting => setting.Value);
        ldap["CaCertificatePath"] = wrongCa;
        var config = data.File("vm-manager.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Server = new { Url = "http://127.0.0.1:0" },
            Storage = new { DataDirectory = data.Path },
            Ldap = ldap,
        }));
        using var daemon = DaemonProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await ListeningAddressAsync(daemon) };

        var response = await client.LoginAsync("alice", "Alice-Pw1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("directory-unavailable", (await response.JsonAsync()).GetProperty("type").GetString());
        // The console logger writes from its own thread: give the line a moment to arrive.
        for (var i = 0; i < 50 && !daemon.Output.Contains("Ldap:CaCertificatePath", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }
        Assert.Contains("check that Ldap:CaCertificatePath holds the CA", daemon.Output);
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    private AccountsApp App(string security = "StartTls")
    {
        var settings = RigSettings.Ldap(rig, security);
        settings["Accounts:MaxFailedLoginsPerAddress"] = "1000";
        return new AccountsApp(settings);
    }

    private static string WithoutTraceId(JsonElement problem) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(property => property.Name != "traceId").ToDictionary(property => property.Name, property => property.Value));

    private static async Task<Uri> ListeningAddressAsync(DaemonProcess daemon)
    {
        for (var i = 0; i < 300; i++)
        {
            if (ListeningLine().Match(daemon.Output) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the daemon did not start listening:\n{daemon.Output}\n{daemon.Error}");
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
