using Microsoft.AspNetCore.Authorization;

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
