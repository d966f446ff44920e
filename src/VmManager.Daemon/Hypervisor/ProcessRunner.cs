using System.Diagnostics;
using System.Text;

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

/// <summary>The only class that starts processes. On timeout or cancellation it kills the whole tree.</summary>
public sealed class ProcessRunner(ILogger<ProcessRunner> logger) : ICommandRunner
{
    private const int MaxKeptOutputChars = 512 * 1024;

    public async Task<CommandResult> RunAsync(CommandLine command, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = command.WorkingDirectory ?? "",
        };
        foreach (var argument in command.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in command.Environment)
        {
            startInfo.Environment[name] = value;
        }

        var output = new StringBuilder();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                if (output.Length < MaxKeptOutputChars)
                {
                    output.AppendLine(line);
                }
            }
            onLine?.Invoke(line);
        }

        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"cannot run '{command.FileName}': {ex.Message}", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await using (process.StandardInput.ConfigureAwait(false))
        {
            if (command.StandardInput is { } input)
            {
                await process.StandardInput.WriteAsync(input).ConfigureAwait(false);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(command.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process, command);
            string partial;
            lock (output)
            {
                partial = output.ToString();
            }
            cancellationToken.ThrowIfCancellationRequested();
            throw new CommandTimeoutException(command, partial);
        }
        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString(), stopwatch.Elapsed);
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

    private void KillTree(Process process, CommandLine command)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            // Bounded: a grandchild that escaped the tree may hold the pipes open.
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Already exited between the timeout and the kill.
        }
        logger.LogWarning("Killed '{Command}' (pid {Pid}) and its children", command.FileName, process.Id);
    }
}
