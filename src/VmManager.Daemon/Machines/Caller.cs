using System.Security.Claims;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Machines;

/// <summary>Who is asking, and what that lets them see and do with a VM.</summary>
public sealed record Caller(string UserName, Role Role)
{
    public static Caller From(ClaimsPrincipal principal) => new(
        principal.Identity?.Name ?? throw new InvalidOperationException("unauthenticated caller"),
        Enum.TryParse<Role>(principal.FindFirstValue(ClaimTypes.Role), out var role) ? role : Role.Student);

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
