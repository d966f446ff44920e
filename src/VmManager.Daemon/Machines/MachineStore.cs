using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Machines;

/// <summary>The job's VM already has an operation queued or running.</summary>
public sealed class MachineBusyException(string machineId) : Exception($"VM {machineId} already has an operation in progress");

/// <summary>SQL for machines and jobs. Everything that must be atomic happens in one short transaction.</summary>
public sealed class MachineStore(Database database, TimeProvider time)
{
    private const string MachineColumns = "id, owner, name, template_id, cpus, memory_mib, disk_gib, state, domain_name, folder, login_user, password_protected, vnc_password_protected, created_at, expires_at, deleted_at, last_error";
    private const string JobColumns = "id, machine_id, kind, state, requested_by, attempt, created_at, started_at, finished_at, step, error";
    private const int SqliteConstraint = 19;

    /// <summary>
    /// What a job keeps of its output (the VM's log on its page): the last 256 K characters. A vagrant up is a
    /// few KiB; a command stuck in a loop printing must not fill the disk.
    /// </summary>
    public const int MaxJobOutput = 256 * 1024;

    public const string OutputDroppedNote = "[… earlier output dropped …]\n";

    /// <inheritdoc cref="Database.InWriteTransaction{T}"/>
    public T InWriteTransaction<T>(Func<IDbConnection, IDbTransaction, T> work) => database.InWriteTransaction(work);

    public static void InsertMachine(IDbConnection connection, IDbTransaction transaction, Machine machine) =>
        connection.Execute($"INSERT INTO machines ({MachineColumns}) VALUES (@Id, @Owner, @Name, @TemplateId, @Cpus, @MemoryMib, @DiskGib, @State, @DomainName, @Folder, @LoginUser, @PasswordProtected, @VncPasswordProtected, @CreatedAt, @ExpiresAt, @DeletedAt, @LastError)", machine, transaction);

    /// <summary>Queues a job; the partial unique index refuses a second active job for the same VM.</summary>
    public Job Enqueue(IDbConnection connection, IDbTransaction transaction, string machineId, string kind, string requestedBy)
    {
        try
        {
            return connection.QuerySingle<Job>(
                $"INSERT INTO jobs (machine_id, kind, state, requested_by, created_at) VALUES (@machineId, @kind, 'queued', @requestedBy, @now) RETURNING {JobColumns}",
                new { machineId, kind, requestedBy, now = time.GetUtcNow() }, transaction);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint && ex.Message.Contains("jobs.machine_id", StringComparison.Ordinal))
        {
            throw new MachineBusyException(machineId);
        }
    }

    public Job Enqueue(string machineId, string kind, string requestedBy) =>
        InWriteTransaction((connection, transaction) => Enqueue(connection, transaction, machineId, kind, requestedBy));

    public Machine? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Machine>($"SELECT {MachineColumns} FROM machines WHERE id = @id", new { id });
    }

    /// <summary>Live VMs (not deleted), optionally of one owner, newest first.</summary>
    public IReadOnlyList<Machine> ListLive(string? owner = null)
    {
        using var connection = database.Open();
        return connection.Query<Machine>(
            $"SELECT {MachineColumns} FROM machines WHERE state NOT IN ('deleted', 'gone') AND (@owner IS NULL OR owner = @owner) ORDER BY created_at DESC",
            new { owner }).AsList();
    }

    public IReadOnlyList<(string State, long Count)> CountByState()
    {
        using var connection = database.Open();
        return connection.Query<(string, long)>("SELECT state, COUNT(*) FROM machines WHERE state NOT IN ('deleted', 'gone') GROUP BY state").AsList();
    }

    public IReadOnlyList<Machine> ListAll()
    {
        using var connection = database.Open();
        return connection.Query<Machine>($"SELECT {MachineColumns} FROM machines ORDER BY created_at DESC").AsList();
    }

    public static int SetStateInTransaction(IDbConnection connection, IDbTransaction transaction, string id, string state) =>
        connection.Execute("UPDATE machines SET state = @state WHERE id = @id", new { id, state }, transaction);

    public void SetState(string id, string state, string? lastError = null)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE machines SET state = @state, last_error = @lastError, deleted_at = CASE WHEN @state IN ('deleted', 'gone') THEN @now ELSE deleted_at END WHERE id = @id",
            new { id, state, lastError, now = time.GetUtcNow() });
    }

    /// <summary>
    /// Changes the power state seen at <paramref name="observedAt"/> only if no job is active or finished
    /// since: a job's own result is newer than what libvirt said before it ended.
    /// </summary>
    public bool SetObservedState(string id, string from, string to, DateTimeOffset observedAt)
    {
        using var connection = database.Open();
        return connection.Execute(
            """
            UPDATE machines SET state = @to WHERE id = @id AND state = @from
              AND NOT EXISTS (SELECT 1 FROM jobs WHERE machine_id = @id AND (state IN ('queued', 'running') OR finished_at >= @observedAt))
            """,
            new { id, from, to, observedAt }) == 1;
    }

    public void SetExpiry(string id, DateTimeOffset expiresAt)
    {
        using var connection = database.Open();
        SetExpiry(connection, null, id, expiresAt);
    }

    /// <summary>Inside the caller's transaction (an approved lifetime request).</summary>
    public static void SetExpiry(IDbConnection connection, IDbTransaction? transaction, string id, DateTimeOffset expiresAt) =>
        connection.Execute("UPDATE machines SET expires_at = @expiresAt WHERE id = @id", new { id, expiresAt }, transaction);

    public Job? FindJob(long id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Job>($"SELECT {JobColumns} FROM jobs WHERE id = @id", new { id });
    }

    public Job? ActiveJob(string machineId)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<Job>(
            $"SELECT {JobColumns} FROM jobs WHERE machine_id = @machineId AND state IN ('queued', 'running')", new { machineId });
    }

    public IReadOnlyDictionary<string, Job> ActiveJobs()
    {
        using var connection = database.Open();
        return connection.Query<Job>($"SELECT {JobColumns} FROM jobs WHERE state IN ('queued', 'running')").ToDictionary(job => job.MachineId);
    }

    public IReadOnlyList<Job> Jobs(string machineId)
    {
        using var connection = database.Open();
        return connection.Query<Job>($"SELECT {JobColumns} FROM jobs WHERE machine_id = @machineId ORDER BY id", new { machineId }).AsList();
    }

    public IReadOnlyList<Job> RecentJobs(int limit)
    {
        using var connection = database.Open();
        return connection.Query<Job>($"SELECT {JobColumns} FROM jobs ORDER BY id DESC LIMIT @limit", new { limit }).AsList();
    }

    public IReadOnlyList<(long Id, string Kind, string Output)> JobOutputs(string machineId)
    {
        using var connection = database.Open();
        return connection.Query<(long, string, string)>("SELECT id, kind, output FROM jobs WHERE machine_id = @machineId ORDER BY id", new { machineId }).AsList();
    }

    public IReadOnlyList<Job> QueuedJobs()
    {
        using var connection = database.Open();
        return connection.Query<Job>($"SELECT {JobColumns} FROM jobs WHERE state = 'queued' ORDER BY id").AsList();
    }

    /// <summary>Claims a queued job for this worker; false when someone else got it first.</summary>
    public bool MarkRunning(long jobId)
    {
        using var connection = database.Open();
        return connection.Execute("UPDATE jobs SET state = 'running', started_at = @now WHERE id = @jobId AND state = 'queued'",
            new { jobId, now = time.GetUtcNow() }) == 1;
    }

    public void Progress(long jobId, string? step, string appendedOutput)
    {
        using var connection = database.Open();
        connection.Execute(
            """
            UPDATE jobs SET step = COALESCE(@step, step),
              output = CASE WHEN length(output) + length(@appendedOutput) <= @max THEN output || @appendedOutput
                            ELSE @note || substr(output || @appendedOutput, -(@max - length(@note))) END
            WHERE id = @jobId
            """,
            new { jobId, step, appendedOutput, max = MaxJobOutput, note = OutputDroppedNote });
    }

    /// <summary>
    /// The VM's resulting state and the job's end in one transaction: a crash between two writes would leave a
    /// finished create 'running', and the next start would run it again (destroying the VM it just made).
    /// </summary>
    public void EndJob(long jobId, string machineId, string machineState, string? error)
    {
        var now = time.GetUtcNow();
        database.InWriteTransaction((connection, transaction) =>
        {
            connection.Execute(
                "UPDATE machines SET state = @machineState, last_error = @error, deleted_at = CASE WHEN @machineState IN ('deleted', 'gone') THEN @now ELSE deleted_at END WHERE id = @machineId",
                new { machineId, machineState, error, now }, transaction);
            return connection.Execute("UPDATE jobs SET state = @state, finished_at = @now, error = @error WHERE id = @jobId",
                new { jobId, state = error is null ? JobStates.Succeeded : JobStates.Failed, error, now }, transaction);
        });
    }

    /// <summary>Jobs a crash left 'running': back to the queue with a higher attempt, or failed after too many.</summary>
    public IReadOnlyList<Job> RequeueInterrupted(int maxAttempts)
    {
        using var connection = database.Open();
        var interrupted = connection.Query<Job>($"SELECT {JobColumns} FROM jobs WHERE state = 'running'").AsList();
        foreach (var job in interrupted)
        {
            if (job.Attempt < maxAttempts)
            {
                connection.Execute(
                    "UPDATE jobs SET state = 'queued', attempt = attempt + 1, output = output || @note WHERE id = @id",
                    new { id = job.Id, note = "\n--- interrupted by a daemon restart; starting again from a clean state ---\n" });
            }
            else
            {
                connection.Execute(
                    "UPDATE jobs SET state = 'failed', finished_at = @now, error = @error, output = output || @note WHERE id = @id",
                    new { id = job.Id, now = time.GetUtcNow(), error = "interrupted by daemon restarts too many times", note = "\n--- interrupted again by a restart; giving up ---\n" });
            }
        }
        return interrupted;
    }
}
