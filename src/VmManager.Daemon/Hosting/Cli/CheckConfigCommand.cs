using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Hosting.Cli;

/// <summary>What the daemon would check at start, without starting it or touching the database.</summary>
public static class CheckConfigCommand
{
    private const string PrintToml = "--print-toml";

    public static CliCommand Command { get; } = new("check-config", "", "validate the config and the database as the daemon does at start; prints ok",
        [new(PrintToml, "", "instead, print the TOML equivalent of a JSON config file (to move an older install to vm-manager.toml)")], Run);

    private static Task<int> Run(CliContext context)
    {
        if (context.Option(PrintToml) is not null)
        {
            context.Output.Write(ToToml(context.ConfigFile));
            return Task.FromResult(CliExit.Ok);
        }
        context.Services.ValidateOptions();
        context.Services.GetRequiredService<DatabaseMigrator>().CheckWithoutMigrating();
        context.Output.WriteLine("ok");
        return Task.FromResult(CliExit.Ok);
    }

    /// <summary>Only the file's syntax counts here: the options are checked when the TOML file is.</summary>
    private static string ToToml(string path)
    {
        if (!DaemonConfiguration.IsJson(path))
        {
            throw CliException.Usage($"{PrintToml} converts a .json config file; '{path}' is read as TOML already");
        }
        try
        {
            return $"""
                # Converted by vm-manager check-config --print-toml from {path};
                # its comments are not carried over: vm-manager.example.toml describes every key.

                {TomlConfiguration.FromJson(File.ReadAllText(path))}
                """;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException(path, $"cannot read the config file: {DaemonConfiguration.Describe(ex)}", ex);
        }
    }
}
