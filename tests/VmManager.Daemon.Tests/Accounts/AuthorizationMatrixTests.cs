using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>Who may call each endpoint of the Accounts feature; state-changing calls carry a valid antiforgery token.</summary>
public sealed class AuthorizationMatrixTests
{
    private static readonly (string UserName, string Password)?[] Callers =
        [null, ("etudiant", "Etudiant-Demo1"), ("enseignant", "Enseignant-Demo1"), ("admin", "Admin-Demo1")];

    [Theory]
    //                                                            anonymous student teacher admin
    [InlineData("GET", "/api/session", 401, 200, 200, 200)]
    [InlineData("GET", "/api/session/antiforgery", 401, 200, 200, 200)]
    [InlineData("DELETE", "/api/session", 401, 204, 204, 204)]
    [InlineData("GET", "/api/quota", 401, 200, 200, 200)]
    [InlineData("GET", "/api/admin/audit", 401, 403, 403, 200)]
    [InlineData("GET", "/api/admin/users/someone/quota", 401, 403, 403, 200)]
    [InlineData("PUT", "/api/admin/users/someone/quota", 401, 403, 403, 200)]
    [InlineData("DELETE", "/api/admin/users/someone/quota", 401, 403, 403, 404)]
    [InlineData("DELETE", "/api/admin/users/someone/sessions", 401, 403, 403, 200)]
    public async Task Endpoint_EachRole_GetsTheExpectedStatus(string method, string path, int anonymous, int student, int teacher, int admin)
    {
        using var app = new AccountsApp();
        int[] expected = [anonymous, student, teacher, admin];

        for (var i = 0; i < Callers.Length; i++)
        {
            var client = Callers[i] is { } caller ? await app.LoggedInAsync(caller.UserName, caller.Password) : app.Client();
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "PUT")
            {
                request.Content = JsonContent.Create(new { maxVms = 3 });
            }

            var response = await client.SendAsync(request);

            Assert.True(expected[i] == (int)response.StatusCode, $"{method} {path} as {Callers[i]?.UserName ?? "anonymous"}: {(int)response.StatusCode}, expected {expected[i]}");
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Theory]
    [InlineData("Student", "Student", true)]
    [InlineData("Student", "Teacher", false)]
    [InlineData("Student", "Admin", false)]
    [InlineData("Teacher", "Student", true)]
    [InlineData("Teacher", "Teacher", true)]
    [InlineData("Teacher", "Admin", false)]
    [InlineData("Admin", "Student", true)]
    [InlineData("Admin", "Teacher", true)]
    [InlineData("Admin", "Admin", true)]
    [InlineData(null, "Student", false)]
    public async Task Policies_EachRole_IncludesTheRolesBelow(string? role, string policy, bool allowed)
    {
        using var app = new AccountsApp();
        var identity = role is null
            ? new ClaimsIdentity()
            : new ClaimsIdentity([new Claim(ClaimTypes.Name, "x"), new Claim(ClaimTypes.Role, role)], "test");

        var result = await app.Service<IAuthorizationService>().AuthorizeAsync(new ClaimsPrincipal(identity), policy);

        Assert.Equal(allowed, result.Succeeded);
    }

    [Theory]
    [InlineData("Student", true, false)]
    [InlineData("Teacher", true, true)]
    [InlineData("Teacher", false, false)]
    [InlineData("Admin", false, true)]
    public void SeesAllStudents_RoleAndSetting_Decides(string role, bool teachersSeeAllStudents, bool sees)
    {
        using var app = new AccountsApp(new Dictionary<string, string?> { ["Accounts:TeachersSeeAllStudents"] = teachersSeeAllStudents.ToString() });
        var visibility = app.Service<Visibility>();

        Assert.Equal(sees, visibility.SightOf("x", Enum.Parse<Role>(role)).Everyone);
    }
}
