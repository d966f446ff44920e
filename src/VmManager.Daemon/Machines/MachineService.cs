using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>A request the user can fix: the field and what is wrong with it.</summary>
public sealed class InvalidRequestException(IDictionary<string, string[]> errors) : Exception("invalid request")
{
    public IDictionary<string, string[]> Errors { get; } = errors;

    public InvalidRequestException(string field, string problem)
        : this(new Dictionary<string, string[]> { [field] = [problem] })
    {
    }
}

/// <summary>The request is well-formed but conflicts with the current state (a failed VM, a box missing on the host).</summary>
public sealed class ConflictException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;

    public ProblemHttpResult ToProblem() => TypedResults.Problem(title: Title, detail: Message, statusCode: StatusCodes.Status409Conflict);
}

/// <summary>What the API (and the admin CLI) may do with VMs; checks come first, nothing is half-made.</summary>
public sealed class MachineService(
    MachineStore store,
    MachineRuntimeCache runtime,
    BoxCatalog boxes,
    CredentialVault vault,
    DomainNaming naming,
    MachineEvents events,
    JobSignal signal,
    QuotaService quotas,
    AuditLog audit,
    IOptions<MachinesOptions> options,
    TimeProvider time)
{
    private const int SqliteConstraint = 19;

    public IReadOnlyList<MachineTemplate> Templates => options.Value.Templates;

    public IReadOnlyList<MachineView> List(Caller caller, bool everyone)
    {
        var active = store.ActiveJobs();
        var machines = everyone && caller.Role >= Role.Teacher
            ? store.ListLive().Where(caller.CanSee)
            : store.ListLive(caller.UserName);
        return machines
            .Select(machine => View(machine, active.GetValueOrDefault(machine.Id)))
            .ToList();
    }

    /// <summary>Null when the VM does not exist or the caller may not see it: both answer 404.</summary>
    public Machine? FindVisible(Caller caller, string id)
    {
        var machine = MachineNames.IsId(id) ? store.Find(id) : null;
        return machine is not null && caller.CanSee(machine) && !MachineStates.IsFinal(machine.State) ? machine : null;
    }

    /// <summary>For job status: a deleted VM's jobs stay readable by whoever could see the VM.</summary>
    public bool FindVisibleIncludingDeleted(Caller caller, string id) => store.Find(id) is { } machine && caller.CanSee(machine);

    public MachineView View(Machine machine) => View(machine, store.ActiveJob(machine.Id));

    public async Task<Accepted> CreateAsync(Caller caller, CreateMachineRequest request, CancellationToken cancellationToken)
    {
        var (template, cpus, memory, disk, lifetime) = Validate(request);
        if (!await boxes.IsInstalledAsync(template, cancellationToken))
        {
            throw new ConflictException("Template unavailable",
                $"The box '{template.Box}' of template '{template.Id}' is not installed on this host; tell an administrator.");
        }
        var id = MachineNames.NewId();
        var now = time.GetUtcNow();
        var machine = new Machine
        {
            Id = id,
            Owner = caller.UserName,
            Name = request.Name!,
            TemplateId = template.Id,
            Cpus = cpus,
            MemoryMib = memory,
            DiskGib = disk,
            State = MachineStates.Creating,
            DomainName = naming.DomainNameFor(id),
            Folder = Path.Combine(Path.GetFullPath(options.Value.VmRoot), MachineNames.UserFolder(caller.UserName), id),
            // The Windows provisioner creates the shortened account name, which is the one the owner types.
            LoginUser = template.Os == OsFamily.Windows ? VagrantfileRenderer.WindowsAccountName(caller.UserName) : template.LoginUser,
            PasswordProtected = vault.Protect(CredentialVault.GeneratePassword()),
            VncPasswordProtected = vault.Protect(CredentialVault.GenerateVncPassword()),
            CreatedAt = now,
            ExpiresAt = now.AddHours(lifetime),
        };
        Job job;
        try
        {
            job = store.InWriteTransaction((connection, transaction) =>
            {
                // A new VM boots at once, so it takes a running slot too. Inside the write lock, so
                // parallel creates see each other.
                quotas.EnsureAllows(connection, transaction, caller.UserName, caller.Role, new ResourceDemand(1, cpus, memory, disk, 1));
                MachineStore.InsertMachine(connection, transaction, machine);
                audit.Record(connection, transaction, caller.UserName, AuditActions.VmCreate, id, AuditOutcomes.Success,
                    $"{machine.Name} ({template.Id}, {cpus} vCPU, {memory} MiB, {disk} GiB, {lifetime} h)", caller.Address);
                return store.Enqueue(connection, transaction, id, JobKinds.Create, caller.UserName);
            });
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint && ex.Message.Contains("machines.owner", StringComparison.Ordinal))
        {
            throw new InvalidRequestException("name", "you already have a VM with this name");
        }
        signal.Notify();
        events.Publish(new MachineChanged(id, machine.Owner, machine.State, null, job.Id));
        return new Accepted(View(machine, job), JobView.From(job));
    }

    /// <summary>Queues start/stop/force-off/reboot/delete; <see cref="MachineBusyException"/> when another operation runs.</summary>
    public Job Act(Caller caller, Machine machine, string kind)
    {
        if (!caller.CanDo(machine, kind))
        {
            throw new UnauthorizedAccessException($"{caller.UserName} may not {kind} this VM");
        }
        if (machine.State == MachineStates.Failed && kind != JobKinds.Delete)
        {
            throw new ConflictException("This VM failed", "A VM whose creation failed can only be deleted.");
        }
        var job = store.InWriteTransaction((connection, transaction) =>
        {
            if (kind == JobKinds.Start)
            {
                quotas.EnsureAllows(connection, transaction, machine.Owner, OwnerRole(caller, machine), new ResourceDemand(0, 0, 0, 0, 1));
            }
            var queued = store.Enqueue(connection, transaction, machine.Id, kind, caller.UserName);
            audit.Record(connection, transaction, caller.UserName, AuditActions.ForJob(kind), machine.Id, AuditOutcomes.Success,
                $"{machine.Owner}/{machine.Name}{caller.AllowedBy(machine)}", caller.Address);
            if (kind == JobKinds.Delete)
            {
                MachineStore.SetStateInTransaction(connection, transaction, machine.Id, MachineStates.Deleting);
            }
            return queued;
        });
        signal.Notify();
        events.Publish(new MachineChanged(machine.Id, machine.Owner, kind == JobKinds.Delete ? MachineStates.Deleting : machine.State, null, job.Id));
        return job;
    }

    /// <summary>The owner picks a new lifetime from the template's list, counted from now; a lease never shrinks.</summary>
    public MachineView Extend(Caller caller, Machine machine, ExtendLeaseRequest request)
    {
        if (!caller.IsOwner(machine) && caller.Role != Role.Admin)
        {
            throw new UnauthorizedAccessException($"{caller.UserName} may not extend this VM");
        }
        var template = Templates.FirstOrDefault(t => t.Id == machine.TemplateId)
            ?? throw new InvalidRequestException("lifetimeHours", "this VM's template is no longer offered");
        if (request.LifetimeHours is not { } hours || !template.LifetimeHours.Contains(hours))
        {
            throw new InvalidRequestException("lifetimeHours", $"choose one of {string.Join(", ", template.LifetimeHours)} hours");
        }
        var expiresAt = time.GetUtcNow().AddHours(hours);
        if (expiresAt > machine.ExpiresAt)
        {
            store.SetExpiry(machine.Id, expiresAt);
            audit.Record(caller.UserName, AuditActions.VmExtend, machine.Id, AuditOutcomes.Success, $"until {expiresAt:u}", caller.Address);
        }
        return View(store.Find(machine.Id)!);
    }

    public Credentials CredentialsOf(Caller caller, Machine machine)
    {
        audit.Record(caller.UserName, AuditActions.VmCredentials, machine.Id, AuditOutcomes.Success, null, caller.Address);
        try
        {
            return new(machine.LoginUser, vault.Unprotect(machine.PasswordProtected));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Restored without the keys/ folder, or the keys were replaced: the password cannot be read back.
            throw new ConflictException("Password unavailable", "This VM's password was encrypted with keys this server no longer has; an administrator must restore the keys folder.");
        }
    }

    /// <summary>Every job's output. A teacher or admin reading someone else's (it holds their guest's boot output) is audited.</summary>
    public string Log(Caller caller, Machine machine)
    {
        if (!caller.IsOwner(machine))
        {
            audit.Record(caller.UserName, AuditActions.VmLog, machine.Id, AuditOutcomes.Success, $"owner {machine.Owner}", caller.Address);
        }
        return string.Concat(store.JobOutputs(machine.Id).Select(job => $"##### job {job.Id}: {job.Kind}\n{job.Output}\n"));
    }

    /// <summary>Quotas are the owner's: an admin starting a student's VM uses the student's running slots.</summary>
    private static Role OwnerRole(Caller caller, Machine machine) => caller.IsOwner(machine) ? caller.Role : Role.Student;

    private (MachineTemplate Template, int Cpus, int Memory, int Disk, int Lifetime) Validate(CreateMachineRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (MachineNames.NameProblem(request.Name) is { } nameProblem)
        {
            errors["name"] = [nameProblem];
        }
        var template = Templates.FirstOrDefault(t => t.Id == request.TemplateId);
        if (template is null)
        {
            errors["templateId"] = [request.TemplateId is null ? "required" : $"unknown template '{request.TemplateId}'"];
            throw new InvalidRequestException(errors);
        }
        int Check(string field, int? value, ResourceRange range)
        {
            var chosen = value ?? range.Default;
            if (!range.Contains(chosen))
            {
                errors[field] = [$"between {range.Min} and {range.Max}"];
            }
            return chosen;
        }
        var cpus = Check("cpus", request.Cpus, template.Cpus);
        var memory = Check("memoryMiB", request.MemoryMiB, template.MemoryMiB);
        var disk = Check("diskGiB", request.DiskGiB, template.DiskGiB);
        var lifetime = request.LifetimeHours ?? template.LifetimeHours[0];
        if (!template.LifetimeHours.Contains(lifetime))
        {
            errors["lifetimeHours"] = [$"choose one of {string.Join(", ", template.LifetimeHours)} hours"];
        }
        return errors.Count > 0 ? throw new InvalidRequestException(errors) : (template, cpus, memory, disk, lifetime);
    }

    private MachineView View(Machine machine, Job? activeJob)
    {
        var live = runtime.For(machine.DomainName);
        return new MachineView(machine.Id, machine.Name, machine.Owner, machine.TemplateId, machine.Cpus, machine.MemoryMib, machine.DiskGib,
            machine.State, machine.CreatedAt, machine.ExpiresAt, machine.LastError, activeJob is null ? null : JobView.From(activeJob),
            live?.CpuTime.TotalSeconds, live?.MemoryKiB, runtime.ScreenPortOf(machine) is not null);
    }
}
