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
