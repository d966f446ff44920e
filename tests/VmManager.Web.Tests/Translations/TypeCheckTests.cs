using System.Diagnostics;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Translations;

/// <summary>The UI's modules (// @ts-check, src/VmManager.Web/jsconfig.json) pass TypeScript's checker; the page itself has no build step.</summary>
public sealed class TypeCheckTests
{
    [Fact]
    public async Task UiModules_CheckedByTsc_HaveNoTypeError()
    {
        var tsc = Path.Combine(Repository.Root, "tests", "VmManager.Web.Tests", "node_modules", "typescript", "bin", "tsc");
        Assert.True(File.Exists(tsc), $"{tsc} is missing: build tests/VmManager.Web.Tests (it runs npm ci)");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { tsc, "-p", Path.Combine(Repository.Root, "src", "VmManager.Web", "jsconfig.json"), "--pretty", "false" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"tsc exited {process.ExitCode}:\n{await output}{await errors}");
    }
}
