using System.Diagnostics;
using System.Text;

namespace VmManager.Perf.Harness;

public sealed record ShellResult(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public ShellResult OrThrow(string what) =>
        Succeeded ? this : throw new InvalidOperationException($"{what} exited {ExitCode}: {Error.Trim()} {Output.Trim()}".Trim());
}

/// <summary>Runs a program to its end (no shell): virsh, vagrant, the vm-manager CLI.</summary>
public static class Shell
{
    public static Task<ShellResult> VirshAsync(params string[] arguments) =>
        RunAsync("virsh", ["--connect", "qemu:///system", .. arguments], new Dictionary<string, string> { ["LC_ALL"] = "C" });

    public static async Task<ShellResult> RunAsync(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, string? input = null, Action<string>? onLine = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                output.AppendLine(line);
                onLine?.Invoke(line);
            }
        });
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
        }
        await reading;
        return new ShellResult(process.ExitCode, output.ToString(), await error, clock.Elapsed);
    }
}
