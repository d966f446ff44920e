using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Machines;

/// <summary>Who is asking (and from where, for the audit log), and what that lets them see and do with a VM.</summary>
public sealed record Caller(string UserName, Role Role, string? Address = null)
{
    /// <summary>Jobs the daemon queues itself (lease expiry, reconciliation) run as this caller.</summary>
    public static readonly Caller System = new("system", Role.Admin);

    public static Caller From(HttpContext context) => new(context.User.UserName(), context.User.UserRole(), context.ClientAddress());

    public bool IsOwner(Machine machine) => machine.Owner == UserName;

    /// <summary>Teachers help students, so they see every VM; students only their own.</summary>
    public bool CanSee(Machine machine) => IsOwner(machine) || Role >= Role.Teacher;

    public bool CanDo(Machine machine, string jobKind) => jobKind switch
    {
        JobKinds.ForceOff => Role == Role.Admin,
        JobKinds.Stop => IsOwner(machine) || Role >= Role.Teacher,
        _ => IsOwner(machine) || Role == Role.Admin,
    };
}
