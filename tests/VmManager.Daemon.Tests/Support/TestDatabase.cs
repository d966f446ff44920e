using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Tests.Support;

/// <summary>A migrated SQLite database in a temp folder.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly TempDirectory _folder = new();

    public TestDatabase()
    {
        Database = new Database(Options.Create(new StorageOptions { DataDirectory = _folder.Path }));
        new DatabaseMigrator(Database, NullLogger<DatabaseMigrator>.Instance).Migrate();
    }

    public Database Database { get; }

    public void Dispose() => _folder.Dispose();
}
