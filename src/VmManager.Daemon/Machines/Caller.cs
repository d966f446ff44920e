using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;

namespace VmManager.Daemon.Machines;

/// <summary>Who is asking (and from where, for the audit log), and what that lets them see and do with a VM.</summary>
public sealed record Caller(string UserName, Role Role, string? Address = null)
{
    /// <summary>Jobs the daemon queues itself (lease expiry, reconciliation) run as this caller.</summary>
    public static readonly Caller System = new("system", Role.Admin);

    /// <summary>Whose VMs this caller sees: the visibility rule (Classes), resolved once per request.</summary>
    public Sight Sight { get; init; } = Role == Role.Admin ? Sight.All(UserName) : Sight.OwnOnly(UserName);

    public static Caller From(HttpContext context)
    {
        var (userName, role) = (context.User.UserName(), context.User.UserRole());
        return new(userName, role, context.ClientAddress())
        {
            Sight = context.RequestServices.GetRequiredService<Visibility>().SightOf(userName, role),
        };
    }

    public bool IsOwner(Machine machine) => machine.Owner == UserName;

    /// <summary>Their own VMs; a teacher the VMs of the students of their classes; an admin every VM.</summary>
    public bool CanSee(Machine machine) => IsOwner(machine) || Sight.Sees(machine.Owner);

    /// <summary>A teacher may stop a VM they see (a student's lab gone wrong); the rest is the owner's or an admin's.</summary>
    public bool CanDo(Machine machine, string jobKind) => jobKind switch
    {
        JobKinds.ForceOff => Role == Role.Admin,
        JobKinds.Stop => IsOwner(machine) || (Role >= Role.Teacher && CanSee(machine)),
        _ => IsOwner(machine) || Role == Role.Admin,
    };

    /// <summary>For the audit log: the class that let a teacher act on a student's VM, e.g. " (class net-2b)".</summary>
    public string AllowedBy(Machine machine) => Sight.ClassAllowing(machine.Owner) is { } classId ? $" (class {classId})" : "";
}
