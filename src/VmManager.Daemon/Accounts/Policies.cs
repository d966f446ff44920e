using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>Authorization policy names: <c>RequireAuthorization(Policies.Teacher)</c>. Each role includes the ones below it.</summary>
public static class Policies
{
    public const string Student = "Student";
    public const string Teacher = "Teacher";
    public const string Admin = "Admin";

    internal static AuthorizationBuilder AddRolePolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(Student, policy => policy.RequireAuthenticatedUser().RequireRole(nameof(Role.Student), nameof(Role.Teacher), nameof(Role.Admin)))
        .AddPolicy(Teacher, policy => policy.RequireAuthenticatedUser().RequireRole(nameof(Role.Teacher), nameof(Role.Admin)))
        .AddPolicy(Admin, policy => policy.RequireAuthenticatedUser().RequireRole(nameof(Role.Admin)));
}

/// <summary>Whose VMs a user may see besides their own.</summary>
public sealed class UserVisibility(IOptions<AccountsOptions> options)
{
    public bool SeesAllStudents(ClaimsPrincipal user) => user.UserRole() switch
    {
        Role.Admin => true,
        Role.Teacher => options.Value.TeachersSeeAllStudents,
        _ => false,
    };
}
