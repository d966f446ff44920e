using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Storage;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Storage;

public sealed class DatabaseMigratorTests
{
    [Fact]
    public void Migrate_DatabaseAtFirstVersion_UpgradesToLatestKeepingRows()
    {
        using var data = new TempDirectory();
        var database = new Database(Options.Create(new StorageOptions { DataDirectory = data.Path }));
        var migrator = new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance);
        Assert.Equal(1, migrator.Migrate(targetVersion: 1));
        using (var connection = database.Open())
        {
            connection.Execute("INSERT INTO local_accounts VALUES ('zoé', 'Zoé', NULL, 'student', 'hash', '2026-01-01T00:00:00Z')");
        }

        var reached = migrator.Migrate();

        Assert.Equal(DatabaseMigrator.LatestVersion, reached);
        Assert.True(reached > 1);
        using var after = database.Open();
        Assert.Equal("Zoé", after.ExecuteScalar<string>("SELECT display_name FROM local_accounts WHERE user_name = 'zoé'"));
        Assert.Equal("wal", after.ExecuteScalar<string>("PRAGMA journal_mode"));
        Assert.Equal(1, after.ExecuteScalar<int>("PRAGMA foreign_keys"));
    }

    [Fact]
    public void Migrate_Twice_IsANoOp()
    {
        using var data = new TempDirectory();
        var database = new Database(Options.Create(new StorageOptions { DataDirectory = data.Path }));
        var migrator = new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance);

        Assert.Equal(migrator.Migrate(), migrator.Migrate());
    }

    [Fact]
    public void Migrate_DatabaseFromANewerRelease_IsRefused()
    {
        using var data = new TempDirectory();
        var database = new Database(Options.Create(new StorageOptions { DataDirectory = data.Path }));
        using (var connection = database.Open())
        {
            connection.Execute($"PRAGMA user_version = {DatabaseMigrator.LatestVersion + 1}");
        }

        var error = Assert.Throws<StartupException>(() => new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance).Migrate());

        Assert.Equal("Storage:DatabasePath", error.Key);
        Assert.Contains("newer than this vm-manager", error.Message);
    }
}
