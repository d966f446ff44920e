using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

public sealed class MachineStoreTests
{
    [Fact]
    public void Enqueue_SecondJobForTheSameVm_IsRefusedByTheDatabase()
    {
        using var db = new TestDatabase();
        var store = new MachineStore(db.Database, TimeProvider.System);
        var machine = Insert(store, "alice", "web");

        store.Enqueue(machine.Id, JobKinds.Start, "alice");

        Assert.Throws<MachineBusyException>(() => store.Enqueue(machine.Id, JobKinds.Stop, "alice"));
    }

    [Fact]
    public void RequeueInterrupted_RunningJob_GoesBackToTheQueueThenFailsAfterMaxAttempts()
    {
        using var db = new TestDatabase();
        var store = new MachineStore(db.Database, TimeProvider.System);
        var machine = Insert(store, "alice", "web");
        var job = store.Enqueue(machine.Id, JobKinds.Create, "alice");
        Assert.True(store.MarkRunning(job.Id));

        store.RequeueInterrupted(maxAttempts: 2);
        var requeued = store.FindJob(job.Id)!;
        Assert.Equal((JobStates.Queued, 2), (requeued.State, requeued.Attempt));

        Assert.True(store.MarkRunning(job.Id));
        store.RequeueInterrupted(maxAttempts: 2);
        var failed = store.FindJob(job.Id)!;
        Assert.Equal(JobStates.Failed, failed.State);
        Assert.NotNull(failed.FinishedAt);
        Assert.Contains("interrupted", failed.Error);
    }

    [Fact]
    public void EndJob_JobRowRefusesTheWrite_MachineStateIsNotChangedEither()
    {
        using var db = new TestDatabase();
        var store = new MachineStore(db.Database, TimeProvider.System);
        var machine = Insert(store, "alice", "web", MachineStates.Creating);
        var job = store.Enqueue(machine.Id, JobKinds.Create, "alice");
        Assert.True(store.MarkRunning(job.Id));
        using (var connection = db.Database.Open())
        {
            // Stands for a crash or a full disk between the two writes.
            Dapper.SqlMapper.Execute(connection, "CREATE TRIGGER refuse_end BEFORE UPDATE OF state ON jobs BEGIN SELECT RAISE(ABORT, 'injected'); END");
        }

        Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => store.EndJob(job.Id, machine.Id, MachineStates.Running, null));

        Assert.Equal(MachineStates.Creating, store.Find(machine.Id)!.State);
        Assert.Equal(JobStates.Running, store.FindJob(job.Id)!.State);
    }

    [Fact]
    public void EndJob_Succeeded_WritesTheVmStateAndTheJobEnd()
    {
        using var db = new TestDatabase();
        var store = new MachineStore(db.Database, TimeProvider.System);
        var machine = Insert(store, "alice", "web", MachineStates.Creating);
        var job = store.Enqueue(machine.Id, JobKinds.Create, "alice");
        Assert.True(store.MarkRunning(job.Id));

        store.EndJob(job.Id, machine.Id, MachineStates.Running, null);

        Assert.Equal(MachineStates.Running, store.Find(machine.Id)!.State);
        var ended = store.FindJob(job.Id)!;
        Assert.Equal(JobStates.Succeeded, ended.State);
        Assert.NotNull(ended.FinishedAt);
    }

    [Fact]
    public void Progress_OutputBeyondTheCap_KeepsTheLatestPartAndSaysSo()
    {
        using var db = new TestDatabase();
        var store = new MachineStore(db.Database, TimeProvider.System);
        var machine = Insert(store, "alice", "web");
        var job = store.Enqueue(machine.Id, JobKinds.Start, "alice");
        var line = new string('x', 1023) + "\n";

        for (var i = 0; i < 300; i++)
        {
            store.Progress(job.Id, null, line);
        }
        store.Progress(job.Id, null, "the last line\n");

        var output = store.JobOutputs(machine.Id).Single().Output;
        Assert.True(output.Length <= MachineStore.MaxJobOutput, $"{output.Length} characters kept");
        Assert.StartsWith(MachineStore.OutputDroppedNote, output);
        Assert.EndsWith("the last line\n", output);
    }

    internal static Machine Insert(MachineStore store, string owner, string name, string state = MachineStates.Running, string passwordProtected = "not-decryptable")
    {
        var id = MachineNames.NewId();
        var machine = new Machine
        {
            Id = id, Owner = owner, Name = name, TemplateId = "tiny", Cpus = 1, MemoryMib = 128, DiskGib = 1, State = state,
            DomainName = $"vmm_{id}_default", Folder = "/nonexistent/" + id, LoginUser = "root", PasswordProtected = passwordProtected,
            CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(2),
        };
        store.InWriteTransaction((connection, transaction) =>
        {
            MachineStore.InsertMachine(connection, transaction, machine);
            return 0;
        });
        return machine;
    }
}
