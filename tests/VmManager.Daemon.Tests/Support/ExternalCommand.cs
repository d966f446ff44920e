using System.Diagnostics;

namespace VmManager.Daemon.Tests.Support;

public sealed record CommandOutcome(int ExitCode, string Output, string Error);

/// <summary>A system tool the tests check against (systemd-analyze, promtool, bash install.sh), run to its end.</summary>
public static class ExternalCommand
{
    public static async Task<CommandOutcome> RunAsync(string file, IEnumerable<string> arguments, string? input = null, IDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new CommandOutcome(process.ExitCode, await output, await error);
    }
}
