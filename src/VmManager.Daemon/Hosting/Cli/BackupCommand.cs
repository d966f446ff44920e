using Dapper;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Hosting.Cli;

/// <summary>An online copy with SQLite's backup API: consistent while the daemon keeps running.</summary>
public static class BackupCommand
{
    public static CliCommand Command { get; } = new("backup", "PATH",
        "copy the database to PATH (a new file, mode 0600), consistent even while the daemon runs", [], Run);

    private static Task<int> Run(CliContext context)
    {
        // Only the storage section: a backup must work even while, say, the LDAP section is broken.
        context.Services.ValidateOptions<StorageOptions>();
        var database = context.Services.GetRequiredService<Database>();
        var target = Path.GetFullPath(context.Argument(0));
        if (!File.Exists(database.File))
        {
            throw CliException.Failure($"there is no database at '{database.File}' yet");
        }
        if (Path.Exists(target))
        {
            throw CliException.Failure($"'{target}' exists: give a new file name");
        }
        var partial = $"{target}.partial-{Environment.ProcessId}";
        int version;
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (OperatingSystem.IsLinux())
            {
                // Every account's password hash is in it: owner-only whatever the umask.
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            new FileStream(partial, create).Dispose();
            using (var source = database.Open())
            using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString()))
            {
                copy.Open();
                // All pages in one step, under one read transaction: a snapshot, and WAL lets the daemon write meanwhile.
                source.BackupDatabase(copy);
                // The copy inherits WAL mode from the header: make it one self-contained file.
                copy.Execute("PRAGMA journal_mode = DELETE;");
                var check = copy.ExecuteScalar<string>("PRAGMA integrity_check;");
                if (check != "ok")
                {
                    throw CliException.Failure($"the copy failed its integrity check: {check}");
                }
                version = copy.ExecuteScalar<int>("PRAGMA user_version;");
            }
            // Never a half-written file under the final name, and never over an existing one.
            File.Move(partial, target);
        }
        finally
        {
            File.Delete(partial);
        }
        context.Output.WriteLine($"{database.File} (schema version {version}) backed up to {target} ({new FileInfo(target).Length} bytes)");
        return Task.FromResult(CliExit.Ok);
    }
}
