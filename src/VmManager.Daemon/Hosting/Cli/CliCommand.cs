namespace VmManager.Daemon.Hosting.Cli;

/// <summary>An option that takes a value (<c>--role admin</c> or <c>--role=admin</c>), or a flag when <see cref="Value"/> is empty.</summary>
public sealed record CliOption(string Name, string Value, string Help, bool Required = false)
{
    public bool IsFlag => Value.Length == 0;

    public string Syntax => IsFlag ? Name : $"{Name} {Value}";
}

/// <summary>
/// One admin command. <see cref="Name"/> is its words ("users add"), <see cref="Arguments"/> its
/// positional parameters as shown in the usage line ("NAME"); each is required.
/// </summary>
public sealed record CliCommand(string Name, string Arguments, string Summary, IReadOnlyList<CliOption> Options, Func<CliContext, Task<int>> RunAsync)
{
    public string[] Words { get; } = Name.Split(' ');

    public string[] Positionals { get; } = Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public string Usage =>
        string.Join(' ', new[] { "vm-manager", Name, Arguments }
            .Concat(Options.Select(option => option.Required ? option.Syntax : $"[{option.Syntax}]"))
            .Append("[--config PATH]")
            .Where(part => part.Length > 0));
}

public static class CliExit
{
    public const int Ok = 0;

    /// <summary>The command was right but failed (database locked, user exists, disk full…).</summary>
    public const int Failure = 1;

    /// <summary>The configuration is invalid, as when the daemon refuses to start.</summary>
    public const int Config = StartupException.ExitCode;

    /// <summary>EX_USAGE: unknown command or option, missing or invalid argument.</summary>
    public const int Usage = 64;
}

/// <summary>Ends a command with one line on stderr and an exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(CliExit.Usage, message);

    public static CliException Failure(string message) => new(CliExit.Failure, message);
}
