using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Database, Data Protection keys and (by default) the per-user VM folders live here.</summary>
    public string DataDirectory { get; set; } = "/var/lib/vm-manager";

    /// <summary>Defaults to vm-manager.db in the data directory.</summary>
    public string? DatabasePath { get; set; }

    public int BusyTimeoutSeconds { get; set; } = 10;

    public string DatabaseFile => Path.GetFullPath(DatabasePath is { Length: > 0 } path ? path : Path.Combine(DataDirectory, "vm-manager.db"));
}

public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return ValidateOptionsResult.Fail("Storage:DataDirectory: is required");
        }
        if (options.BusyTimeoutSeconds is < 1 or > 300)
        {
            return ValidateOptionsResult.Fail("Storage:BusyTimeoutSeconds: must be between 1 and 300");
        }
        if (WritableDirectoryProblem(options.DataDirectory) is { } problem)
        {
            return ValidateOptionsResult.Fail($"Storage:DataDirectory: '{Path.GetFullPath(options.DataDirectory)}' {problem}");
        }
        var databaseFolder = Path.GetDirectoryName(options.DatabaseFile)!;
        return WritableDirectoryProblem(databaseFolder) is { } databaseProblem
            ? ValidateOptionsResult.Fail($"Storage:DatabasePath: folder '{databaseFolder}' {databaseProblem}")
            : ValidateOptionsResult.Success;
    }

    /// <summary>Creates the folder if needed and proves we can write there (root ignores mode bits, so try it).</summary>
    internal static string? WritableDirectoryProblem(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"is not writable ({ex.Message})";
        }
    }
}
