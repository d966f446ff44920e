using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Storage;
using VmManager.Perf.Listing;

namespace VmManager.Perf.Micro;

/// <summary>
/// The pieces of GET /api/vms?scope=all in-process, to see where its milliseconds go: the two SQLite
/// queries (through the daemon's own store) and the JSON of the answer. The HTTP and cookie/session
/// layers are what the end-to-end list benchmark adds on top.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet refuses sealed benchmark classes.</remarks>
[MemoryDiagnoser]
public class ListPathBenchmarks
{
    private string _folder = "";
    private MachineStore _store = null!;
    private List<MachineView> _views = [];

    [Params(20, 200)]
    public int Machines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("vmm-perf-micro-").FullName;
        var database = new Database(Options.Create(new StorageOptions { DataDirectory = _folder }));
        new DatabaseMigrator(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseMigrator>.Instance).Migrate();
        using (var connection = database.Open())
        {
            Dapper.SqlMapper.Execute(connection, "INSERT INTO local_accounts (user_name, display_name, role, password_hash, created_at) VALUES ('seed', 'seed', 'admin', '-', '2026-01-01T00:00:00Z')");
        }
        var seed = ListSeed.Insert(_folder, Path.Combine(_folder, "student_vms"), new DomainNaming(Options.Create(new MachinesOptions())), Machines, Math.Max(1, Machines / 2), Machines / 20);
        _store = new MachineStore(database, TimeProvider.System);
        _views = seed.Machines.Select(m => new MachineView(m.Id, m.Name, m.Owner, m.TemplateId, m.Cpus, m.MemoryMib, m.DiskGib, m.State, m.CreatedAt,
            m.ExpiresAt, null, null, 12.5, 131072, m.State == MachineStates.Running)).ToList();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "SQLite: live VMs (ListLive)")]
    public int ListLive() => _store.ListLive().Count;

    [Benchmark(Description = "SQLite: active jobs")]
    public int ActiveJobs() => _store.ActiveJobs().Count;

    [Benchmark(Description = "JSON of the answer")]
    public int Serialize() => JsonSerializer.SerializeToUtf8Bytes(_views, JsonSerializerOptions.Web).Length;
}
