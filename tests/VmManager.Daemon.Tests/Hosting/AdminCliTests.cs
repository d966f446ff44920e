using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>vm-manager COMMAND: the built binary against a real database in a temp data folder.</summary>
public sealed class AdminCliTests : IDisposable
{
    private const string Password = "Correct-Horse-7";

    private readonly TempDirectory _data = new();
    private readonly string _config;

    public AdminCliTests()
    {
        _config = _data.File("vm-manager.json");
        File.WriteAllText(_config, $$"""
            // production-like: no demo accounts, no LDAP
            { "Server": { "Url": "http://127.0.0.1:0" }, "Storage": { "DataDirectory": "{{_data.File("data")}}" } }
            """);
    }

    private string Database => _data.File("data/vm-manager.db");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task UsersAdd_ThenLogin_TheApiAcceptsThatPassword()
    {
        var (exitCode, error, output) = await CliAsync(["users", "add", "ada.admin", "--role", "admin", "--display-name", "Ada Lovelace", "--email", "ada@school.example"], Password + "\n");

        Assert.Equal((0, ""), (exitCode, error));
        Assert.Equal("local account ada.admin created (admin)", output);
        var (status, body) = Assert.Single(await LoginAsync("ada.admin", Password));
        Assert.Equal(HttpStatusCode.OK, status);
        var user = JsonDocument.Parse(body).RootElement;
        Assert.Equal(("Ada Lovelace", "Admin"), (user.GetProperty("displayName").GetString(), user.GetProperty("role").GetString()));
    }

    [Theory]
    [InlineData("", "too short")]
    [InlineData("Short-1", "too short")]
    [InlineData("alllowercaseletters", "too weak")]
    [InlineData("tom.teacher-Pw1", "must not contain the user name")]
    public async Task UsersAdd_WeakOrEmptyPassword_ExitsUsageAndCreatesNothing(string password, string problem)
    {
        var (exitCode, error, output) = await CliAsync(["users", "add", "tom.teacher", "--role", "teacher"], password + "\n");

        Assert.Equal(64, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("vm-manager users add: the password ", error);
        Assert.Contains(problem, error);
        Assert.Equal(0, CountAccounts("tom.teacher"));
    }

    [Fact]
    public async Task UsersAdd_PasswordAsAnArgument_IsRefused()
    {
        var (exitCode, error, _) = await CliAsync(["users", "add", "eve", "--role", "student", "--password", Password]);

        Assert.Equal(64, exitCode);
        Assert.Contains("unknown option '--password'", error);
        Assert.False(File.Exists(Database));
    }

    [Fact]
    public async Task UsersAdd_ExistingName_ExitsOneAndKeepsTheAccount()
    {
        await CliAsync(["users", "add", "bob", "--role", "student"], Password);

        var (exitCode, error, _) = await CliAsync(["users", "add", "bob", "--role", "admin"], "Other-Password-9");

        Assert.Equal(1, exitCode);
        Assert.Contains("'bob' already exists", error);
        using var connection = Open(Database);
        Assert.Equal("student", connection.ExecuteScalar<string>("SELECT role FROM local_accounts WHERE user_name = 'bob'"));
    }

    [Fact]
    public async Task UsersPasswd_NewPasswordWorks_OldOneNoLonger()
    {
        await CliAsync(["users", "add", "carol", "--role", "teacher"], Password);

        var (exitCode, _, output) = await CliAsync(["users", "passwd", "carol"], "New-Secret-42\n");

        Assert.Equal((0, "password of carol changed"), (exitCode, output));
        var attempts = await LoginAsync("carol", Password, "New-Secret-42");
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.OK], attempts.Select(attempt => attempt.Status));
    }

    [Fact]
    public async Task UsersPasswd_UnknownAccount_ExitsOne()
    {
        var (exitCode, error, _) = await CliAsync(["users", "passwd", "nobody"], Password);

        Assert.Equal(1, exitCode);
        Assert.Contains("there is no local account 'nobody'", error);
    }

    [Fact]
    public async Task Backup_WhileTheDaemonRuns_WritesAConsistentPrivateCopyWithEveryRow()
    {
        using var daemon = DaemonProcess.Start(["--config", _config]);
        await daemon.WaitForListeningAsync();
        // Written beside the running daemon: its WAL holds them until a checkpoint.
        Assert.Equal(0, (await CliAsync(["users", "add", "dave", "--role", "student"], Password)).ExitCode);
        Assert.Equal(0, (await CliAsync(["users", "add", "erin", "--role", "admin"], Password)).ExitCode);
        var backup = _data.File("backups/vm-manager-1.db");
        Directory.CreateDirectory(_data.File("backups"));

        var (exitCode, error, output) = await CliAsync(["backup", backup]);

        Assert.Equal((0, ""), (exitCode, error));
        Assert.Contains($"backed up to {backup}", output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
        using (var copy = Open(backup))
        {
            Assert.Equal(["dave", "erin"], copy.Query<string>("SELECT user_name FROM local_accounts ORDER BY user_name"));
            Assert.Equal("ok", copy.ExecuteScalar<string>("PRAGMA integrity_check"));
            Assert.Equal("delete", copy.ExecuteScalar<string>("PRAGMA journal_mode"));
        }
        Assert.Empty(Directory.GetFiles(_data.File("backups"), "*.partial-*"));
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Backup_TargetExists_ExitsOneAndLeavesItAlone()
    {
        await CliAsync(["users", "add", "frank", "--role", "student"], Password);
        var target = _data.File("existing.db");
        File.WriteAllText(target, "precious");

        var (exitCode, error, _) = await CliAsync(["backup", target]);

        Assert.Equal(1, exitCode);
        Assert.Contains("exists", error);
        Assert.Equal("precious", File.ReadAllText(target));
    }

    [Fact]
    public async Task CheckConfig_ValidFile_PrintsOkAndLeavesTheDatabaseAsItWas()
    {
        Directory.CreateDirectory(_data.File("data"));
        File.WriteAllBytes(Database, []);

        var result = await CliAsync(["check-config"]);

        Assert.Equal((0, "", "ok"), result);
        using var connection = Open(Database);
        Assert.Equal(0, connection.ExecuteScalar<int>("PRAGMA user_version"));
    }

    [Theory]
    [InlineData("""{ "Server": { "Url": "ftp://127.0.0.1:21" } }""", "vm-manager: Server:Url: unknown URL scheme 'ftp'")]
    [InlineData("""{ "Metrics": { "AllowedAddresses": [ "10.0.0.0/33" ] } }""", "vm-manager: Metrics:AllowedAddresses: '10.0.0.0/33'")]
    [InlineData("""{ "Ldap": { "Enabled": true } }""", "vm-manager: Ldap:Host: is required")]
    [InlineData("""{ "Server": { """, "cannot read the config file")]
    public async Task CheckConfig_BadFile_ExitsTwoWithOneLine(string json, string expected)
    {
        File.WriteAllText(_config, json);

        var (exitCode, error, output) = await CliAsync(["check-config"]);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains(expected, Assert.Single(error.Split('\n')));
    }

    [Fact]
    public async Task CheckConfig_DatabaseFromANewerRelease_ExitsTwoWithoutTouchingIt()
    {
        Directory.CreateDirectory(_data.File("data"));
        using (var connection = Open(Database))
        {
            connection.Execute("PRAGMA user_version = 999");
        }

        var (exitCode, error, _) = await CliAsync(["check-config"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("vm-manager: Storage:DatabasePath:", error);
        Assert.Contains("newer than this vm-manager", error);
    }

    [Fact]
    public async Task Help_ListsEveryCommand_AndEachCommandHasItsOwn()
    {
        var (exitCode, _, output) = await CliAsync(["--help"]);

        Assert.Equal(0, exitCode);
        foreach (var command in new[] { "check-config", "users add", "users passwd", "backup" })
        {
            Assert.Contains(command, output);
            var help = await CliAsync([.. command.Split(' '), "--help"]);
            Assert.Equal(0, help.ExitCode);
            Assert.StartsWith($"usage: vm-manager {command}", help.Output);
        }
    }

    [Fact]
    public async Task ConfigBeforeTheCommand_IsAcceptedToo()
    {
        var (exitCode, _, output) = await DaemonProcess.RunToExitAsync(["--config", _config, "check-config"]);

        Assert.Equal((0, "ok"), (exitCode, output));
    }

    [Theory]
    [InlineData("check-config --config={0}")]
    [InlineData("--config={0} check-config")]
    [InlineData("--config {0} check-config")]
    public async Task CheckConfig_ConfigGivenInAnyForm_IsTheFileChecked(string arguments)
    {
        // A bad file: were another one read (the default, the demo), the check would pass.
        File.WriteAllText(_config, """{ "Server": { "Url": "ftp://127.0.0.1:21" } }""");

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(string.Format(arguments, _config).Split(' '));

        Assert.Equal(2, exitCode);
        Assert.Contains("Server:Url: unknown URL scheme 'ftp'", error);
    }

    [Theory]
    [InlineData("chek-config")]
    [InlineData("users frob")]
    [InlineData("users add")]
    [InlineData("users add gina")]
    [InlineData("users add gina --role root")]
    [InlineData("users add gina --role student --colour blue")]
    [InlineData("users add gina --role student extra")]
    [InlineData("users add -bad --role student")]
    [InlineData("backup")]
    public async Task BadUsage_Exits64WithoutTouchingTheDatabase(string arguments)
    {
        var (exitCode, error, output) = await CliAsync(arguments.Split(' '), Password);

        Assert.Equal(64, exitCode);
        Assert.Equal("", output);
        Assert.NotEqual("", error);
        Assert.False(File.Exists(Database));
    }

    /// <summary>Logs in through the API of the real daemon started on this data folder, once per password.</summary>
    private async Task<List<(HttpStatusCode Status, string Body)>> LoginAsync(string userName, params string[] passwords)
    {
        using var daemon = DaemonProcess.Start(["--config", _config]);
        using var client = new HttpClient { BaseAddress = new Uri(await daemon.WaitForListeningAsync()) };
        var attempts = new List<(HttpStatusCode, string)>();
        foreach (var password in passwords)
        {
            var response = await client.PostAsJsonAsync("/api/session", new { userName, password });
            attempts.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return attempts;
    }

    private Task<(int ExitCode, string Error, string Output)> CliAsync(string[] arguments, string? input = null) =>
        DaemonProcess.RunToExitAsync([.. arguments, "--config", _config], input: input);

    private int CountAccounts(string userName)
    {
        using var connection = Open(Database);
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM local_accounts WHERE user_name = @userName", new { userName });
    }

    private static SqliteConnection Open(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
