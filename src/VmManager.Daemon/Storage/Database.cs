using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Storage;

/// <summary>Opens SQLite connections with the pragmas every caller needs (foreign keys, busy timeout).</summary>
public sealed class Database
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    static Database()
    {
        SQLitePCL.Batteries_V2.Init();
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
    }

    public Database(IOptions<StorageOptions> options)
    {
        File = options.Value.DatabaseFile;
        _busyTimeoutMs = options.Value.BusyTimeoutSeconds * 1000;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = File,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
    }

    public string File { get; }

    /// <summary>
    /// A new database is made 0600 (SQLite gives its -wal and -shm the same mode): it holds the accounts and
    /// the sessions, readable by no one else even in demo mode under a 022 umask. An existing file keeps its mode.
    /// </summary>
    public void CreateIfMissing()
    {
        try
        {
            using var _ = new FileStream(File, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Already there (install.sh creates it with the service's ownership), or SQLite's open says why not.
        }
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs};";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction that takes SQLite's write lock first (BEGIN IMMEDIATE),
    /// so checks made inside it (quotas, name uniqueness, rate limits) cannot interleave with another writer.
    /// </summary>
    public T InWriteTransaction<T>(Func<IDbConnection, IDbTransaction, T> work)
    {
        using var connection = Open();
        // Microsoft.Data.Sqlite begins non-deferred transactions with BEGIN IMMEDIATE.
        using var transaction = connection.BeginTransaction(deferred: false);
        var result = work(connection, transaction);
        transaction.Commit();
        return result;
    }
}
