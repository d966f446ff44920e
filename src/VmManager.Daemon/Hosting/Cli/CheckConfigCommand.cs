using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Hosting.Cli;

/// <summary>What the daemon would check at start, without starting it or touching the database.</summary>
public static class CheckConfigCommand
{
    public static CliCommand Command { get; } = new("check-config", "", "validate the config and the database as the daemon does at start; prints ok", [], Run);

    private static Task<int> Run(CliContext context)
    {
        context.Services.ValidateOptions();
        context.Services.GetRequiredService<DatabaseMigrator>().CheckWithoutMigrating();
        context.Output.WriteLine("ok");
        return Task.FromResult(CliExit.Ok);
    }
}
