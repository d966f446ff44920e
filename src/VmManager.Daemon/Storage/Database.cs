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

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs};";
        command.ExecuteNonQuery();
        return connection;
    }
}
