using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;
using CliWrap;

namespace VmManager.Daemon.Hypervisor;

/// <summary>An external command as an argument list: nothing ever goes through a shell.</summary>
public sealed record CommandLine(string FileName, IReadOnlyList<string> Arguments, TimeSpan Timeout)
{
    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Written to the process's stdin, then closed: how secrets reach a command without its argv.</summary>
    public string? StandardInput { get; init; }

    public override string ToString() => $"{FileName} {string.Join(' ', Arguments)}";
}

public sealed record CommandResult(int ExitCode, string Output, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last non-empty line of output, which for virsh and vagrant is the error message.</summary>
    public string LastLine => Output.TrimEnd().Split('\n')[^1].Trim();

    /// <summary>
    /// What went wrong, in one line: a Ruby crash prints its message on the first line of the
    /// backtrace ("file.rb:12:in `m': message (Class)") and then many "from …" lines.
    /// </summary>
    public string ErrorSummary => Output.Split('\n').Select(line => line.Trim())
        .FirstOrDefault(line => line.Contains(".rb:", StringComparison.Ordinal) && !line.StartsWith("from ", StringComparison.Ordinal))
        ?? LastLine;
}

/// <summary>The command ran past its timeout; its whole process tree was killed.</summary>
public sealed class CommandTimeoutException(CommandLine command, string output)
    : Exception($"'{Path.GetFileName(command.FileName)} {command.Arguments.FirstOrDefault()}' did not finish within {command.Timeout.TotalSeconds:0} s and was killed")
{
    public string Output { get; } = output;
}

public interface ICommandRunner
{
    /// <summary>Runs to completion; <paramref name="onLine"/> sees stdout and stderr lines as they come.</summary>
    Task<CommandResult> RunAsync(CommandLine command, Action<string>? onLine = null, CancellationToken cancellationToken = default);

    /// <summary>Kills processes left working inside <paramref name="folder"/> by a previous daemon that crashed.</summary>
    IReadOnlyList<int> KillStrays(string folder);
}

/// <summary>
/// The only class that starts processes (on CliWrap). Whatever ends a run early (its timeout, a
/// cancellation, a line handler that throws) kills the whole process tree: vagrant never outlives it.
/// </summary>
public sealed class ProcessRunner(ILogger<ProcessRunner> logger) : ICommandRunner
{
    private const int MaxKeptOutputChars = 512 * 1024;

    public async Task<CommandResult> RunAsync(CommandLine command, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        var output = new StringBuilder();
        string Kept()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(command.Timeout);
        Exception? handlerError = null;
        void Collect(string line)
        {
            lock (output)
            {
                if (output.Length < MaxKeptOutputChars)
                {
                    output.AppendLine(line);
                }
            }
            try
            {
                onLine?.Invoke(line);
            }
            catch (Exception ex)
            {
                // Thrown on CliWrap's reading thread it would only stop the reading: end the run instead.
                Interlocked.CompareExchange(ref handlerError, ex, null);
                stop.Cancel();
            }
        }

        var cli = Cli.Wrap(command.FileName)
            .WithArguments(command.Arguments)
            .WithEnvironmentVariables(command.Environment.ToDictionary(pair => pair.Key, pair => (string?)pair.Value))
            .WithStandardInputPipe(command.StandardInput is { } input ? PipeSource.FromString(input) : PipeSource.Null)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Collect))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Collect))
            .WithValidation(CommandResultValidation.None);
        if (command.WorkingDirectory is { } folder)
        {
            cli = cli.WithWorkingDirectory(folder);
        }

        CommandTask<CliWrap.CommandResult> running;
        try
        {
            running = cli.ExecuteAsync(stop.Token);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"cannot run '{command.FileName}': {(ex.InnerException ?? ex).Message}", ex);
        }
        try
        {
            var result = await running.ConfigureAwait(false);
            return new CommandResult(result.ExitCode, Kept(), result.RunTime);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // CliWrap killed the process tree when the token fired.
            logger.LogWarning("Killed '{Command}' (pid {Pid}) and its children", command.FileName, running.ProcessId);
            if (handlerError is not null)
            {
                ExceptionDispatchInfo.Throw(handlerError);
            }
            cancellationToken.ThrowIfCancellationRequested();
            throw new CommandTimeoutException(command, Kept());
        }
    }

    public IReadOnlyList<int> KillStrays(string folder)
    {
        // Under systemd the whole cgroup dies with the daemon; started by hand, a crash orphans vagrant.
        var root = Path.GetFullPath(folder).TrimEnd('/') + "/";
        var killed = new List<int>();
        foreach (var process in Process.GetProcesses())
        {
            using (process)
            {
                string? workingDirectory;
                string commandLine;
                try
                {
                    workingDirectory = new FileInfo($"/proc/{process.Id}/cwd").LinkTarget;
                    commandLine = File.ReadAllText($"/proc/{process.Id}/cmdline");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                // Only vagrant: an admin's shell that happens to sit in a VM folder is left alone.
                if (process.Id == Environment.ProcessId || workingDirectory is null || !(workingDirectory + "/").StartsWith(root, StringComparison.Ordinal)
                    || !commandLine.Contains("vagrant", StringComparison.Ordinal))
                {
                    continue;
                }
                try
                {
                    process.Kill(entireProcessTree: true);
                    killed.Add(process.Id);
                    logger.LogWarning("Killed stray process {Pid} ({Name}) left in {Folder} by an earlier run", process.Id, process.ProcessName, workingDirectory);
                }
                catch (InvalidOperationException)
                {
                    // exited meanwhile
                }
            }
        }
        return killed;
    }
}
