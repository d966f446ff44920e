using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Console;

namespace VmManager.Daemon.Hosting.Cli;

/// <summary>
/// What a command gets: its parsed arguments, the console, and the daemon's own services, built on
/// first use from the same composition root and config. The host is never started: no Kestrel, no
/// background services, no systemd notifications.
/// </summary>
public sealed class CliContext(
    string[] args,
    IReadOnlyList<string> positionals,
    IReadOnlyDictionary<string, string> options,
    Func<string[], (WebApplicationBuilder Builder, bool Demo)> createBuilder,
    CliConsole console) : IAsyncDisposable
{
    private WebApplication? _app;

    public TextWriter Output => console.Output;

    public TextWriter Error => console.Error;

    public IServiceProvider Services => (_app ??= Build()).Services;

    /// <summary>The file given with --config or $VMMANAGER_CONFIG, else the default path.</summary>
    public string ConfigFile => Path.GetFullPath(DaemonConfiguration.ConfigFileFrom(args) ?? DaemonConfiguration.DefaultPath);

    public string Argument(int index) => positionals[index];

    public string? Option(string name) => options.GetValueOrDefault(name);

    /// <summary>
    /// A secret from stdin, never from the command line (argv is visible in ps and shell history):
    /// typed without echo (twice with <paramref name="confirm"/>) on a terminal, else the first line.
    /// </summary>
    public string ReadSecret(string prompt, bool confirm)
    {
        if (!console.Interactive)
        {
            return console.Input.ReadLine() ?? "";
        }
        var secret = ReadHidden(prompt);
        if (confirm && ReadHidden("Again: ") != secret)
        {
            throw CliException.Usage("the two entries differ");
        }
        return secret;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        // The last connection to close removes the -wal/-shm files: do not leave them to the finalizer.
        SqliteConnection.ClearAllPools();
    }

    private WebApplication Build()
    {
        var (builder, demo) = createBuilder(args);
        // stdout carries the command's answer; warnings and errors go to stderr. A rule for the console
        // provider itself wins over the config's Logging levels, which are meant for the daemon.
        builder.Logging.ClearProviders()
            .AddSimpleConsole(console => console.SingleLine = true)
            .AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        if (demo)
        {
            Error.WriteLine($"vm-manager: warning: no config file at {DaemonConfiguration.DefaultPath}: using the embedded demo defaults");
        }
        return builder.Build();
    }

    private string ReadHidden(string prompt)
    {
        Error.Write(prompt);
        var secret = new StringBuilder();
        while (console.ReadKey() is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                secret.Length = Math.Max(0, secret.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }
        Error.WriteLine();
        return secret.ToString();
    }
}

/// <summary>The process's console; a seam so commands never touch <see cref="Console"/> directly.</summary>
public sealed record CliConsole(TextReader Input, TextWriter Output, TextWriter Error, bool Interactive, Func<ConsoleKeyInfo> ReadKey)
{
    public static CliConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, () => Console.ReadKey(intercept: true));
}
