using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>A bad config file stops the daemon with exit code 2 and one line naming the key.</summary>
public sealed class ConfigValidationTests
{
    [Theory]
    [InlineData("""{ "Server": { "Url": "ftp://127.0.0.1:21" } }""", "Server:Url", "unknown URL scheme 'ftp'")]
    [InlineData("""{ "Ldap": { "Enabled": true, "BindDn": "cn=x", "BindPassword": "y" } }""", "Ldap:Host", "required when Ldap:Enabled is true")]
    [InlineData("""{ "Server": { "KnownProxies": [ "not-an-ip" ] } }""", "Server:KnownProxies", "not an IP address")]
    [InlineData("""{ "Mail": { "Enabled": true } }""", "Mail:Host", "required")]
    [InlineData("""{ "Server": { "Url": "http://127.0.0.1:0" }, }  trailing garbage""", "vm-manager.json", "cannot read the config file")]
    public async Task Start_InvalidConfig_ExitsTwoWithOneLineNamingTheKey(string json, string key, string problem)
    {
        using var data = new TempDirectory();
        var config = WriteConfig(data, json);

        var (exitCode, error, output) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(key, line);
        Assert.Contains(problem, line);
        Assert.DoesNotContain("   at ", error + output);
    }

    [Theory]
    [InlineData("[Server]\nUrl = \"http://127.0.0.1:0\"\n[Storage]\nDataDirectory = \n", "line 4, column 17")]
    [InlineData("[Server]\nUrl = \"http://127.0.0.1:0\n", "line 2, column 26")]
    [InlineData("[Server\nUrl = \"http://127.0.0.1:0\"\n", "line 1, column 8")]
    public async Task Start_TomlSyntaxError_ExitsTwoWithOneLineNamingFileLineAndColumn(string toml, string where)
    {
        using var data = new TempDirectory();
        var config = data.File("vm-manager.toml");
        await File.WriteAllTextAsync(config, toml);

        var (exitCode, error, output) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"vm-manager: {config}: cannot read the config file: {where}", line);
        Assert.DoesNotContain("   at ", error + output);
    }

    [Fact]
    public async Task Start_JsonSyntaxError_NamesLineAndPosition()
    {
        using var data = new TempDirectory();
        var config = WriteConfig(data, "{\n  \"Server\": { \"Url\": \"http://127.0.0.1:0\" }\n  \"Storage\": {}\n}\n");

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"vm-manager: {config}: cannot read the config file: line 3, position 3: ", line);
    }

    [Fact]
    public async Task Start_UnwritableDataFolder_ExitsTwoNamingStorageDataDirectory()
    {
        using var data = new TempDirectory();
        // Root ignores permission bits, so make the folder impossible instead: its parent is a file.
        var blocker = data.File("not-a-folder");
        await File.WriteAllTextAsync(blocker, "");
        var config = WriteConfig(data, $$"""{ "Storage": { "DataDirectory": "{{blocker}}/data" } }""");

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vm-manager: Storage:DataDirectory:", line);
        Assert.Contains("not writable", line);
    }

    [Theory]
    [InlineData("--config", "/nonexistent/vm-manager.json")]
    [InlineData("--config=/nonexistent/vm-manager.json")]
    public async Task Start_MissingConfigFile_ExitsTwoNamingTheOption(params string[] arguments)
    {
        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(arguments);

        Assert.Equal(2, exitCode);
        Assert.Equal("vm-manager: --config: config file '/nonexistent/vm-manager.json' does not exist", error);
    }

    [Fact]
    public async Task Start_CorruptDatabase_ExitsTwoNamingTheDatabase()
    {
        using var data = new TempDirectory();
        await File.WriteAllTextAsync(data.File("vm-manager.db"), new string('x', 8192));
        var config = WriteConfig(data, $$"""{ "Storage": { "DataDirectory": "{{data.Path}}" } }""");

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vm-manager: Storage:DatabasePath:", line);
        Assert.Contains("not a database", line);
    }

    [Fact]
    public async Task Start_EnvironmentOverride_WinsOverTheFile()
    {
        using var data = new TempDirectory();
        var config = WriteConfig(data, $$"""{ "Storage": { "DataDirectory": "{{data.Path}}" } }""");

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config],
            new Dictionary<string, string?> { ["VMMANAGER__Server__Url"] = "gopher://127.0.0.1:70" });

        Assert.Equal(2, exitCode);
        Assert.Contains("Server:Url: unknown URL scheme 'gopher'", error);
    }

    [Fact]
    public async Task Start_SecretFromCredentialsDirectory_IsRead()
    {
        using var data = new TempDirectory();
        var credentials = Directory.CreateDirectory(data.File("credentials")).FullName;
        // Only the credential supplies the port: an invalid one proves the file was read.
        await File.WriteAllTextAsync(Path.Combine(credentials, "Mail__Port"), "70000");
        var config = WriteConfig(data, $$"""{ "Storage": { "DataDirectory": "{{data.Path}}" }, "Mail": { "Enabled": true, "Host": "127.0.0.1" } }""");

        var (exitCode, error, _) = await DaemonProcess.RunToExitAsync(["--config", config],
            new Dictionary<string, string?> { ["CREDENTIALS_DIRECTORY"] = credentials });

        Assert.Equal(2, exitCode);
        Assert.Contains("Mail:Port: must be between 1 and 65535", error);
    }

    private static string WriteConfig(TempDirectory data, string json)
    {
        var path = data.File("vm-manager.json");
        File.WriteAllText(path, json);
        return path;
    }
}
