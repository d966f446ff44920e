using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Storage;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

public sealed class QuotaServiceTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly ManualClock _clock = new();
    private readonly Database _database;
    private readonly QuotaService _quotas;

    public QuotaServiceTests()
    {
        _database = new Database(Options.Create(new StorageOptions { DataDirectory = _data.Path }));
        new DatabaseMigrator(_database, NullLogger<DatabaseMigrator>.Instance).Migrate();
        var options = new QuotaOptions
        {
            Student = new QuotaLimits { MaxVms = 2, MaxCpus = 4, MaxMemoryMiB = 4096, MaxDiskGiB = 40, MaxRunningVms = 1 },
            Teacher = new QuotaLimits { MaxVms = 5, MaxCpus = 10, MaxMemoryMiB = 16384, MaxDiskGiB = 200, MaxRunningVms = 3 },
        };
        _quotas = new QuotaService(_database, Options.Create(options), _clock);
    }

    [Fact]
    public void EffectiveFor_NoOverride_IsTheRoleDefault()
    {
        Assert.Equal(new Quota(2, 4, 4096, 40, 1), _quotas.StatusOf("alice", Role.Student).Limits);
        Assert.Equal(new Quota(5, 10, 16384, 200, 3), _quotas.StatusOf("tom", Role.Teacher).Limits);
    }

    [Fact]
    public void EffectiveFor_Overrides_LatestUnexpiredWinsPerFieldAndNullKeepsTheDefault()
    {
        _quotas.SetOverride("alice", "admin", new QuotaChange(4, 8, null, null, null), null, "ada", "project");
        _clock.Advance(TimeSpan.FromMinutes(1));
        _quotas.SetOverride("alice", "request:7", new QuotaChange(6, null, 8192, null, null), _clock.GetUtcNow().AddDays(7), "ada", null);

        Assert.Equal(new Quota(6, 8, 8192, 40, 1), _quotas.StatusOf("ALICE", Role.Student).Limits);
        Assert.Equal(new Quota(2, 4, 4096, 40, 1), _quotas.StatusOf("bob", Role.Student).Limits);

        _clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(new Quota(4, 8, 4096, 40, 1), _quotas.StatusOf("alice", Role.Student).Limits);
        Assert.True(_quotas.RemoveOverride("alice", "admin"));
        Assert.False(_quotas.RemoveOverride("alice", "admin"));
        Assert.Equal(new Quota(2, 4, 4096, 40, 1), _quotas.StatusOf("alice", Role.Student).Limits);
    }

    [Fact]
    public void SetOverride_SameSourceAgain_ReplacesItAndBecomesTheLatest()
    {
        _quotas.SetOverride("alice", "admin", new QuotaChange(3, null, null, null, null), null, "ada", null);
        _clock.Advance(TimeSpan.FromMinutes(1));
        _quotas.SetOverride("alice", "request:1", new QuotaChange(5, null, null, null, null), null, "ada", null);
        _clock.Advance(TimeSpan.FromMinutes(1));
        _quotas.SetOverride("alice", "admin", new QuotaChange(1, null, null, null, 0), null, "ada", "paused");

        Assert.Equal(new Quota(1, 4, 4096, 40, 0), _quotas.StatusOf("alice", Role.Student).Limits);
        Assert.Equal(["admin", "request:1"], _quotas.StatusOf("alice", Role.Student).Overrides.Select(o => o.Source));
    }

    [Fact]
    public void StatusOf_Machines_UsageCountsLiveOnesAndRunningSeparately()
    {
        using var connection = _database.Open();
        InsertMachine(connection, null, "alice", "running", cpus: 2, memoryMiB: 1024, diskGiB: 10);
        InsertMachine(connection, null, "alice", "stopped", cpus: 1, memoryMiB: 512, diskGiB: 5);
        InsertMachine(connection, null, "alice", "deleted", cpus: 4, memoryMiB: 4096, diskGiB: 40);
        InsertMachine(connection, null, "alice", "gone", cpus: 4, memoryMiB: 4096, diskGiB: 40);
        InsertMachine(connection, null, "bob", "running", cpus: 1, memoryMiB: 128, diskGiB: 1);

        Assert.Equal(new Usage(2, 3, 1536, 15, 1), _quotas.StatusOf("alice", Role.Student).Usage);
        Assert.Equal(new Usage(0, 0, 0, 0, 0), _quotas.StatusOf("nobody", Role.Student).Usage);
    }

    [Fact]
    public void EnsureAllows_DemandOverALimit_ThrowsNamingTheField()
    {
        using var connection = _database.Open();
        InsertMachine(connection, null, "alice", "running", cpus: 3, memoryMiB: 1024, diskGiB: 10);
        using var transaction = connection.BeginTransaction(deferred: false);

        var error = Assert.Throws<QuotaExceededException>(() =>
            _quotas.EnsureAllows(connection, transaction, "alice", Role.Student, new ResourceDemand(1, 2, 512, 5, 0)));

        Assert.Equal(("maxCpus", 4, 5), (error.Field, error.Limit, error.WouldUse));
        // Starting another VM hits the running limit; stopping (no demand) is never blocked.
        var running = Assert.Throws<QuotaExceededException>(() =>
            _quotas.EnsureAllows(connection, transaction, "alice", Role.Student, new ResourceDemand(0, 0, 0, 0, 1)));
        Assert.Equal("maxRunningVms", running.Field);
        _quotas.EnsureAllows(connection, transaction, "alice", Role.Student, new ResourceDemand(0, 0, 0, 0, 0));
    }

    [Fact]
    public void EnsureAllows_LoweredQuota_DoesNotBlockWhatAddsNothingToTheExceededField()
    {
        using var connection = _database.Open();
        InsertMachine(connection, null, "alice", "stopped", cpus: 1, memoryMiB: 512, diskGiB: 5);
        InsertMachine(connection, null, "alice", "stopped", cpus: 1, memoryMiB: 512, diskGiB: 5);
        _quotas.SetOverride("alice", "admin", new QuotaChange(1, null, null, null, null), null, "ada", "too many VMs");
        using var transaction = connection.BeginTransaction(deferred: false);

        _quotas.EnsureAllows(connection, transaction, "alice", Role.Student, new ResourceDemand(0, 0, 0, 0, 1));
        Assert.Throws<QuotaExceededException>(() =>
            _quotas.EnsureAllows(connection, transaction, "alice", Role.Student, new ResourceDemand(1, 1, 128, 1, 0)));
    }

    [Fact]
    public async Task EnsureAllows_TwentyParallelCreatesWithMaxVmsTwo_ExactlyTwoSucceed()
    {
        using var start = new Barrier(20);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
        {
            using var connection = _database.Open();
            start.SignalAndWait();
            // BEGIN IMMEDIATE: the write lock is taken before the quota is read, so check-then-insert is atomic.
            using var transaction = connection.BeginTransaction(deferred: false);
            try
            {
                _quotas.EnsureAllows(connection, transaction, "alice", Role.Student, new ResourceDemand(1, 1, 256, 1, 0));
                InsertMachine(connection, transaction, "alice", "creating", cpus: 1, memoryMiB: 256, diskGiB: 1, name: $"vm-{i}");
                transaction.Commit();
                return "created";
            }
            catch (QuotaExceededException error) when (error.Field == "maxVms")
            {
                return "refused";
            }
        })));

        Assert.Equal(2, outcomes.Count(outcome => outcome == "created"));
        Assert.Equal(18, outcomes.Count(outcome => outcome == "refused"));
        using var check = _database.Open();
        Assert.Equal(2, check.ExecuteScalar<int>("SELECT COUNT(*) FROM machines WHERE owner = 'alice'"));
    }

    [Fact]
    public void ToProblem_QuotaExceeded_Is409WithTheFieldAndNumbers()
    {
        var problem = new QuotaExceededException("maxVms", 2, 3).ToProblem();

        Assert.Equal(409, problem.StatusCode);
        Assert.Equal("quota-exceeded", problem.ProblemDetails.Type);
        Assert.Equal("maxVms", problem.ProblemDetails.Extensions["field"]);
        Assert.Equal(3, problem.ProblemDetails.Extensions["wouldUse"]);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private static void InsertMachine(IDbConnection connection, IDbTransaction? transaction, string owner, string state,
        int cpus, int memoryMiB, int diskGiB, string? name = null)
    {
        var id = Guid.NewGuid().ToString("N");
        connection.Execute(
            """
            INSERT INTO machines (id, owner, name, template_id, cpus, memory_mib, disk_gib, state, domain_name, folder,
                                  login_user, password_protected, created_at, expires_at)
            VALUES (@id, @owner, @name, 'tiny', @cpus, @memoryMiB, @diskGiB, @state, @domain, '/tmp/x', 'vagrant', 'x',
                    '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')
            """,
            new { id, owner, name = name ?? id, cpus, memoryMiB, diskGiB, state, domain = "vmm-" + id }, transaction);
    }
}
