using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;
using Tomlyn;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// One TOML file (or, for an install from before TOML, a JSON file with comments named explicitly), then secrets from systemd's credentials directory (or its
/// credential store when run outside the service), then
/// <c>VMMANAGER__Section__Key</c> environment variables. Without any file the embedded demo
/// defaults apply, so a fresh checkout runs with one command.
/// </summary>
public static class DaemonConfiguration
{
    public const string DefaultPath = "/etc/vm-manager/vm-manager.toml";
    public const string PathVariable = "VMMANAGER_CONFIG";
    public const string EnvironmentPrefix = "VMMANAGER__";

    /// <summary>systemd's credential store, where vm_manager.service's LoadCredential= lines read the secrets.</summary>
    public const string CredentialStore = "/etc/credstore";

    /// <summary>Secret config keys and their file in <see cref="CredentialStore"/>, as in vm_manager.service.</summary>
    public static IReadOnlyDictionary<string, string> CredentialFiles { get; } = new Dictionary<string, string>
    {
        ["Ldap:BindPassword"] = "vm-manager.ldap-bind-password",
        ["Mail:Password"] = "vm-manager.mail-password",
    };

    public const string ConfigOption = "--config";

    private const string DemoResource = "demo.toml";

    /// <summary>The path given as <c>--config PATH</c> or <c>--config=PATH</c>, else from <see cref="PathVariable"/>.</summary>
    public static string? ConfigFileFrom(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == ConfigOption)
            {
                return i + 1 < args.Length ? args[i + 1] : throw new StartupException(ConfigOption, "expects a file path");
            }
            if (args[i].StartsWith(ConfigOption + "=", StringComparison.Ordinal))
            {
                return args[i][(ConfigOption.Length + 1)..] is { Length: > 0 } inline ? inline : throw new StartupException(ConfigOption, "expects a file path");
            }
        }
        return Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
    }

    /// <summary>Replaces the builder's default sources; returns whether the demo defaults are in use.</summary>
    public static bool AddDaemonConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        var explicitPath = ConfigFileFrom(args);
        var path = Path.GetFullPath(explicitPath ?? DefaultPath);
        var demo = explicitPath is null && !File.Exists(path);
        if (!demo && !File.Exists(path))
        {
            throw new StartupException(explicitPath is null ? PathVariable : ConfigOption, $"config file '{path}' does not exist");
        }

        var configuration = builder.Configuration;
        configuration.Sources.Clear();
        if (demo)
        {
            using var demoDefaults = new StreamReader(typeof(DaemonConfiguration).Assembly.GetManifestResourceStream(DemoResource)!);
            configuration.AddInMemoryCollection(TomlConfiguration.Flatten(TomlConfiguration.Parse(demoDefaults.ReadToEnd(), DemoResource)));
        }
        else
        {
            AddConfigFile(configuration, path);
        }
        if (Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials)
        {
            // systemd LoadCredential= files named like Ldap__BindPassword become Ldap:BindPassword.
            configuration.AddKeyPerFile(credentials, optional: true);
        }
        else
        {
            configuration.AddInMemoryCollection(StoredSecrets());
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        return demo;
    }

    /// <summary>
    /// Outside the service (an admin running vm-manager check-config or users add as root), the
    /// secrets the unit's LoadCredential= lines would hand over, read from the same credential store.
    /// The daemon's user cannot read the store: under systemd only $CREDENTIALS_DIRECTORY counts.
    /// </summary>
    private static Dictionary<string, string?> StoredSecrets()
    {
        var secrets = new Dictionary<string, string?>();
        foreach (var (key, file) in CredentialFiles)
        {
            var path = Path.Combine(CredentialStore, file);
            try
            {
                // As KeyPerFile: the value without the line end an editor may leave.
                secrets[key] = File.ReadAllText(path).TrimEnd('\n').TrimEnd('\r');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not set, or not ours to read: the options validation names what is missing.
            }
        }
        return secrets;
    }

    /// <summary>ConfigurationManager reads a source as it is added: a syntax error surfaces here, as one line.</summary>
    private static void AddConfigFile(IConfigurationManager configuration, string path)
    {
        try
        {
            if (IsJson(path))
            {
                configuration.Add<JsonConfigurationSource>(source => Configure(source, path));
            }
            else
            {
                configuration.Add<TomlConfigurationSource>(source => Configure(source, path));
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or JsonException or TomlException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException(path, $"cannot read the config file: {Describe(ex.GetBaseException())}", ex);
        }
    }

    /// <summary>A config file named *.json is read as JSON, so that an install from before TOML keeps working.</summary>
    public static bool IsJson(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static void Configure(FileConfigurationSource source, string path)
    {
        source.Path = path;
        source.Optional = false;
        source.ReloadOnChange = false;
        source.ResolveFileProvider();
    }

    /// <summary>The parser's own error, where it is: the providers wrap it in one or two generic exceptions.</summary>
    internal static string Describe(Exception error) => (error switch
    {
        TomlException toml => $"line {toml.Line}, column {toml.Column}: {(toml.Diagnostics is { Count: > 0 } diagnostics ? diagnostics[0].Message : toml.Message)}",
        // System.Text.Json counts lines and bytes from 0 and appends them to its message.
        JsonException json => $"line {json.LineNumber + 1}, position {json.BytePositionInLine + 1}: {json.Message.Split(" LineNumber:")[0].Split(" Path:")[0]}",
        _ => error.Message,
    }).ReplaceLineEndings(" ");
}
