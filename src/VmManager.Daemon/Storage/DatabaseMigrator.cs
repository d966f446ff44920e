using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Storage;

/// <summary>
/// Applies the numbered scripts embedded from Storage/Migrations (0001_name.sql …), each in its own
/// transaction, forward only; PRAGMA user_version records the last one applied.
/// </summary>
public sealed class DatabaseMigrator(Database database, ILogger<DatabaseMigrator> logger)
{
    public static IReadOnlyList<(int Version, string Name)> Available { get; } = typeof(DatabaseMigrator).Assembly
        .GetManifestResourceNames()
        .Where(name => name.StartsWith("migrations/", StringComparison.Ordinal))
        .Select(name => (Version: int.Parse(name.AsSpan(11, 4), provider: System.Globalization.CultureInfo.InvariantCulture), Name: name))
        .OrderBy(migration => migration.Version)
        .ToList();

    public static int LatestVersion => Available[^1].Version;

    /// <summary>Migrates to <paramref name="targetVersion"/> (default: latest); returns the version reached.</summary>
    public int Migrate(int? targetVersion = null)
    {
        try
        {
            database.CreateIfMissing();
            using var connection = database.Open();
            // WAL lets the API read while a job writes; it is a property of the file, set once.
            connection.Execute("PRAGMA journal_mode = WAL;");
            var current = connection.ExecuteScalar<int>("PRAGMA user_version;");
            ThrowIfNewer(current);
            foreach (var (version, name) in Available.Where(m => m.Version > current && m.Version <= (targetVersion ?? LatestVersion)))
            {
                using var transaction = connection.BeginTransaction();
                connection.Execute(ReadScript(name), transaction: transaction);
                connection.Execute($"PRAGMA user_version = {version};", transaction: transaction);
                transaction.Commit();
                logger.LogInformation("Database migrated to version {Version} ({Name})", version, name[11..]);
                current = version;
            }
            return current;
        }
        catch (SqliteException ex)
        {
            throw Unusable(ex);
        }
    }

    /// <summary>
    /// Checks the database without changing it (for vm-manager check-config, which may run beside an
    /// older daemon): the same errors as <see cref="Migrate"/>; no database yet is fine.
    /// </summary>
    public void CheckWithoutMigrating()
    {
        if (!File.Exists(database.File))
        {
            return;
        }
        try
        {
            using var connection = database.Open();
            var current = connection.ExecuteScalar<int>("PRAGMA user_version;");
            ThrowIfNewer(current);
            var check = connection.ExecuteScalar<string>("PRAGMA quick_check;");
            if (check != "ok")
            {
                throw new StartupException("Storage:DatabasePath", $"'{database.File}' is damaged ({check}); restore a backup");
            }
        }
        catch (SqliteException ex)
        {
            throw Unusable(ex);
        }
    }

    private void ThrowIfNewer(int current)
    {
        if (current > LatestVersion)
        {
            throw new StartupException("Storage:DatabasePath", $"'{database.File}' has schema version {current}, newer than this vm-manager ({LatestVersion}); install the newer release or restore a backup");
        }
    }

    private StartupException Unusable(SqliteException ex) =>
        new("Storage:DatabasePath", $"'{database.File}' cannot be used: {ex.Message} (restore a backup or move the file away)", ex);

    private static string ReadScript(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
