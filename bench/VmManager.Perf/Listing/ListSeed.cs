using Dapper;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Storage;

namespace VmManager.Perf.Listing;

/// <summary>A school's database before the daemon starts: users, their VMs (running or stopped) and each VM's finished create job.</summary>
public sealed record ListSeed(IReadOnlyList<Machine> Machines, IReadOnlyList<string> Users)
{
    /// <summary>
    /// Inserts rows with the daemon's own storage code, the domains named as the daemon would name them.
    /// Every user gets the first account's password hash: nobody logs in as them.
    /// </summary>
    public static ListSeed Insert(string dataDirectory, string vmRoot, DomainNaming naming, int machineCount, int userCount, int runningCount)
    {
        var database = new Database(Options.Create(new StorageOptions { DataDirectory = dataDirectory }));
        using var connection = database.Open();
        var hash = connection.ExecuteScalar<string>("SELECT password_hash FROM local_accounts LIMIT 1")
            ?? throw new InvalidOperationException("no account yet: the admin is made first, with the CLI");
        var now = DateTimeOffset.UtcNow;
        var users = Enumerable.Range(1, userCount).Select(i => $"perf-u{i:D3}").ToList();
        var machines = Enumerable.Range(0, machineCount).Select(i =>
        {
            var id = MachineNames.NewId();
            var owner = users[i % users.Count];
            return new Machine
            {
                Id = id,
                Owner = owner,
                Name = $"vm-{i / users.Count + 1}",
                TemplateId = "tiny",
                Cpus = 1,
                MemoryMib = 128,
                DiskGib = 1,
                // The first ones (one per user) run: no owner exceeds the 2 running VMs of the student quota.
                State = i < runningCount ? MachineStates.Running : MachineStates.Stopped,
                DomainName = naming.DomainNameFor(id),
                Folder = Path.Combine(vmRoot, owner, id),
                LoginUser = "root",
                PasswordProtected = "-",
                CreatedAt = now.AddMinutes(-machineCount + i),
                ExpiresAt = now.AddHours(24),
            };
        }).ToList();

        using var transaction = connection.BeginTransaction();
        foreach (var user in users)
        {
            connection.Execute("INSERT INTO local_accounts (user_name, display_name, role, password_hash, created_at) VALUES (@user, @user, 'student', @hash, @now)",
                new { user, hash, now }, transaction);
        }
        foreach (var machine in machines)
        {
            MachineStore.InsertMachine(connection, transaction, machine);
            connection.Execute(
                "INSERT INTO jobs (machine_id, kind, state, requested_by, created_at, started_at, finished_at, step, output) VALUES (@Id, 'create', 'succeeded', @Owner, @CreatedAt, @CreatedAt, @CreatedAt, 'done', '')",
                machine, transaction);
        }
        transaction.Commit();
        return new ListSeed(machines, users);
    }
}
