using Microsoft.Data.Sqlite;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Hosting.Cli;

/// <summary>
/// <c>vm-manager COMMAND … [--config PATH]</c>: admin commands in the daemon's binary, on its config,
/// its options validation and its database. A command group is one file exposing its
/// <see cref="CliCommand"/>s; adding one is one line in <see cref="Commands"/>.
/// </summary>
// Kept over System.CommandLine 3.0: the daemon's own arguments still need this dispatch, so no less code, and its help and exit 1 would replace our usage lines and exit 64.
public static class AdminCli
{
    public static IReadOnlyList<CliCommand> Commands { get; } =
    [
        CheckConfigCommand.Command,
        .. UsersCommands.All,
        .. ClassesCommands.All,
        .. MachineCommands.All,
        BackupCommand.Command,
    ];

    private static readonly string[] HelpWords = ["help", "--help", "-h"];

    private static readonly CliOption ConfigOption = new(DaemonConfiguration.ConfigOption, "PATH", $"config file (default {DaemonConfiguration.DefaultPath}, or ${DaemonConfiguration.PathVariable})");

    /// <summary>
    /// True unless the arguments are only the daemon's options: a word, even a misspelt command,
    /// must never start a second daemon (as root, from an admin's shell).
    /// </summary>
    public static bool IsCommand(string[] args) => CommandWords(args) is [var first, ..] && (HelpWords.Contains(first) || !first.StartsWith('-'));

    public static async Task<int> RunAsync(string[] args, Func<string[], (WebApplicationBuilder Builder, bool Demo)> createBuilder, CliConsole console)
    {
        // A leading --config PATH moves behind the command words, where every command accepts it.
        var leading = args.Length - CommandWords(args).Length;
        args = [.. args[leading..], .. args[..leading]];
        if (HelpWords.Contains(args[0]))
        {
            console.Output.Write(Overview());
            return CliExit.Ok;
        }
        var command = Commands.Where(candidate => args.Take(candidate.Words.Length).SequenceEqual(candidate.Words))
            .MaxBy(candidate => candidate.Words.Length);
        if (command is null)
        {
            var group = Commands.Where(candidate => candidate.Words[0] == args[0]).ToList();
            if (args.Length > 1 && IsHelpOption(args[1]))
            {
                console.Output.Write(Overview(group));
                return CliExit.Ok;
            }
            console.Error.WriteLine($"vm-manager: unknown command '{string.Join(' ', args.TakeWhile(arg => !arg.StartsWith('-')))}'");
            console.Error.Write(Overview(group));
            return CliExit.Usage;
        }
        try
        {
            var rest = args[command.Words.Length..];
            if (rest.Any(IsHelpOption))
            {
                console.Output.Write(Help(command));
                return CliExit.Ok;
            }
            var (positionals, options) = Parse(command, rest);
            await using var context = new CliContext(args, positionals, options, createBuilder, console);
            return await command.RunAsync(context);
        }
        catch (CliException ex)
        {
            console.Error.WriteLine($"vm-manager {command.Name}: {ex.Message}");
            if (ex.ExitCode == CliExit.Usage)
            {
                console.Error.WriteLine($"usage: {command.Usage}");
            }
            return ex.ExitCode;
        }
        catch (StartupException ex)
        {
            console.Error.WriteLine($"vm-manager: {ex.Message}");
            return CliExit.Config;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"vm-manager {command.Name}: {ex.Message.ReplaceLineEndings(" ")}");
            return CliExit.Failure;
        }
        catch (Exception ex)
        {
            // The process boundary: still one line and exit 1 for scripts, with the type to search for.
            console.Error.WriteLine($"vm-manager {command.Name}: unexpected {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            return CliExit.Failure;
        }
    }

    private static bool IsHelpOption(string arg) => arg is "--help" or "-h";

    /// <summary>The arguments without a leading <c>--config PATH</c> or <c>--config=PATH</c>, which may also come before the command.</summary>
    private static string[] CommandWords(string[] args) => args switch
    {
        [DaemonConfiguration.ConfigOption, _, .. var rest] => rest,
        [var first, .. var rest] when first.StartsWith(DaemonConfiguration.ConfigOption + "=", StringComparison.Ordinal) => rest,
        _ => args,
    };

    private static (List<string> Positionals, Dictionary<string, string> Options) Parse(CliCommand command, string[] rest)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < rest.Length; i++)
        {
            if (!rest[i].StartsWith("--", StringComparison.Ordinal))
            {
                positionals.Add(rest[i]);
                continue;
            }
            var (name, value) = rest[i].Split('=', 2) is [var key, var inline] ? (key, inline) : (rest[i], null);
            var option = command.Options.Append(ConfigOption).FirstOrDefault(candidate => candidate.Name == name)
                ?? throw CliException.Usage($"unknown option '{name}'");
            if (option.IsFlag)
            {
                value = value is null ? "" : throw CliException.Usage($"{name} takes no value");
            }
            value ??= i + 1 < rest.Length ? rest[++i] : throw CliException.Usage($"{name} expects {option.Value}");
            options[name] = value;
        }
        if (positionals.Count != command.Positionals.Length)
        {
            throw CliException.Usage(positionals.Count < command.Positionals.Length
                ? $"missing {command.Positionals[positionals.Count]}"
                : $"unexpected argument '{positionals[command.Positionals.Length]}'");
        }
        var missing = command.Options.FirstOrDefault(option => option.Required && !options.ContainsKey(option.Name));
        return missing is null ? (positionals, options) : throw CliException.Usage($"{missing.Name} is required");
    }

    private static string Overview(IReadOnlyList<CliCommand>? group = null)
    {
        var commands = group is { Count: > 0 } ? group : Commands;
        var width = commands.Max(command => command.Name.Length);
        var lines = commands.Select(command => $"  {command.Name.PadRight(width)}  {command.Summary}");
        return $"""
            usage: vm-manager [--config PATH]                run the daemon
                   vm-manager COMMAND … [--config PATH]      run an admin command
            commands:
            {string.Join('\n', lines)}
            'vm-manager COMMAND --help' describes one. Exit codes: 0 ok, 1 failed, 2 invalid config, 64 bad usage.

            """.ReplaceLineEndings("\n");
    }

    private static string Help(CliCommand command)
    {
        var options = command.Options.Append(ConfigOption).ToList();
        var width = options.Max(option => option.Syntax.Length);
        var lines = options.Select(option => $"  {option.Syntax.PadRight(width)}  {option.Help}");
        return $"""
            usage: {command.Usage}
            {command.Summary}
            options:
            {string.Join('\n', lines)}

            """.ReplaceLineEndings("\n");
    }
}
