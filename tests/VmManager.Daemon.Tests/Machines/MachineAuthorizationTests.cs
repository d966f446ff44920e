using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>
/// Every VM endpoint as anonymous, the owner (student A), another student (B), a teacher and an admin.
/// A student never learns that another student's VM exists: 404, not 403.
/// </summary>
public sealed class MachineAuthorizationTests : IDisposable
{
    private readonly TempDirectory _tools = new();
    private readonly VmManagerFactory _factory;

    public MachineAuthorizationTests()
    {
        // Jobs queued by the calls run against a vagrant that does nothing and domains that do not exist.
        // Rows inserted by the tests have no domain: after its first pass the reconciler must not look again.
        _factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VagrantPath"] = MachineFaultTests.FakeVagrant(_tools, "exit 1"),
            ["Machines:ReconcileIntervalSeconds"] = "3600",
        });
        _factory.Services.GetRequiredService<LocalAccountStore>().Create("lea", "Léa", null, Role.Student, "Lea-Password1");
        var reconciler = _factory.Services.GetRequiredService<Reconciler>();
        SpinWait.SpinUntil(() => reconciler.LastPass is not null, TimeSpan.FromSeconds(60));
    }

    public static TheoryData<string, string, string, int, int, int, int, int> Matrix => new()
    {
        // method, path ({id} = A's VM), VM state, anonymous, owner A, student B, teacher, admin
        { "GET", "/api/vms/{id}", MachineStates.Running, 401, 200, 404, 200, 200 },
        { "POST", "/api/vms/{id}/start", MachineStates.Stopped, 401, 202, 404, 403, 202 },
        { "POST", "/api/vms/{id}/stop", MachineStates.Running, 401, 202, 404, 202, 202 },
        { "POST", "/api/vms/{id}/force-off", MachineStates.Running, 401, 403, 404, 403, 202 },
        { "POST", "/api/vms/{id}/reboot", MachineStates.Running, 401, 202, 404, 403, 202 },
        { "DELETE", "/api/vms/{id}", MachineStates.Running, 401, 202, 404, 403, 202 },
        { "POST", "/api/vms/{id}/extend", MachineStates.Running, 401, 200, 404, 403, 200 },
        { "GET", "/api/vms/{id}/log", MachineStates.Running, 401, 200, 404, 200, 200 },
        { "GET", "/api/vms/{id}/credentials", MachineStates.Running, 401, 200, 404, 403, 403 },
        { "GET", "/api/vms", MachineStates.Running, 401, 200, 200, 200, 200 },
        { "GET", "/api/vms?scope=all", MachineStates.Running, 401, 200, 200, 200, 200 },
        { "GET", "/api/templates", MachineStates.Running, 401, 200, 200, 200, 200 },
        { "POST", "/api/vms", MachineStates.Running, 401, 202, 202, 202, 202 },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_EachCaller_GetsTheExpectedStatus(string method, string path, string state, int anonymous, int owner, int otherStudent, int teacher, int admin)
    {
        var callers = new (string Name, int Expected, Func<Task<HttpClient>> Client)[]
        {
            ("anonymous", anonymous, () => Task.FromResult(_factory.CreateClient())),
            ("owner", owner, () => _factory.LoginAsync("etudiant", "Etudiant-Demo1")),
            ("other student", otherStudent, () => _factory.LoginAsync("lea", "Lea-Password1")),
            ("teacher", teacher, () => _factory.LoginAsync("enseignant", "Enseignant-Demo1")),
            ("admin", admin, () => _factory.LoginAsync("admin", "Admin-Demo1")),
        };
        foreach (var (name, expected, login) in callers)
        {
            // A fresh VM each time: the previous caller's job would make this one busy (409).
            var target = path.Contains("{id}", StringComparison.Ordinal) ? InsertOwnedVm(state).Id : "";
            var client = await login();
            var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", target, StringComparison.Ordinal));
            request.Content = path.EndsWith("/extend", StringComparison.Ordinal) ? JsonContent.Create(new { lifetimeHours = 8 })
                : method == "POST" && path == "/api/vms" ? JsonContent.Create(new { name = "new-" + Guid.NewGuid().ToString("N")[..8], templateId = "tiny" })
                : null;

            var response = await client.SendAsync(request);

            Assert.True(expected == (int)response.StatusCode, $"{method} {path} as {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (!response.IsSuccessStatusCode)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task List_AnotherStudent_NeverSeesTheOwnersVm()
    {
        var machine = MachineStoreTests.Insert(_factory.Services.GetRequiredService<MachineStore>(), "etudiant", "secret-project", MachineStates.Running);
        var lea = await _factory.LoginAsync("lea", "Lea-Password1");
        var teacher = await _factory.LoginAsync("enseignant", "Enseignant-Demo1");

        var seenByLea = await lea.GetFromJsonAsync<MachineView[]>("/api/vms?scope=all", MachineApi.Json);
        var seenByTeacher = await teacher.GetFromJsonAsync<MachineView[]>("/api/vms?scope=all", MachineApi.Json);

        Assert.DoesNotContain(seenByLea!, vm => vm.Id == machine.Id);
        Assert.Contains(seenByTeacher!, vm => vm.Id == machine.Id);
    }

    [Fact]
    public async Task Act_WithoutAntiforgeryToken_Is400AndNothingQueued()
    {
        var machine = MachineStoreTests.Insert(_factory.Services.GetRequiredService<MachineStore>(), "etudiant", "csrf-target", MachineStates.Running);
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await client.DeleteAsync($"/api/vms/{machine.Id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(_factory.Services.GetRequiredService<MachineStore>().ActiveJob(machine.Id));
    }

    [Fact]
    public async Task Log_ReadByTeacherOfAStudentsVm_IsAuditedTheOwnersReadIsNot()
    {
        var machine = InsertOwnedVm(MachineStates.Running);
        var owner = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var teacher = await _factory.LoginAsync("enseignant", "Enseignant-Demo1");
        var admin = await _factory.LoginAsync("admin", "Admin-Demo1");

        (await owner.GetAsync($"/api/vms/{machine.Id}/log")).EnsureSuccessStatusCode();
        (await teacher.GetAsync($"/api/vms/{machine.Id}/log")).EnsureSuccessStatusCode();
        var audit = await admin.GetFromJsonAsync<AuditPage>($"/api/admin/audit?action={AuditActions.VmLog}");

        var entry = Assert.Single(audit!.Items, item => item.Target == machine.Id);
        Assert.Equal("enseignant", entry.Actor);
        Assert.Contains("etudiant", entry.Detail);
    }

    [Fact]
    public async Task Credentials_KeysNoLongerMatch_Is409WithTheReasonNot500()
    {
        var machine = MachineStoreTests.Insert(_factory.Services.GetRequiredService<MachineStore>(), "etudiant", "old-keys", MachineStates.Running);
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var response = await client.GetAsync($"/api/vms/{machine.Id}/credentials");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("keys", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Create_TwentyInParallelWithAQuotaOfTwo_ExactlyTwoAccepted()
    {
        var client = await _factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.PostAsJsonAsync("/api/vms", new { name = $"burst-{i}", templateId = "tiny" })));

        Assert.Equal(2, responses.Count(response => response.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(18, responses.Count(response => response.StatusCode == HttpStatusCode.Conflict));
        Assert.Contains("maxVms", await responses.First(response => response.StatusCode == HttpStatusCode.Conflict).Content.ReadAsStringAsync());
        Assert.Equal(2, _factory.Services.GetRequiredService<MachineStore>().ListLive("etudiant").Count);
    }

    private Machine InsertOwnedVm(string state) => MachineStoreTests.Insert(_factory.Services.GetRequiredService<MachineStore>(),
        "etudiant", "vm-" + Guid.NewGuid().ToString("N")[..8], state, _factory.Services.GetRequiredService<CredentialVault>().Protect("Owner-Only-Pw1"));

    public void Dispose()
    {
        _factory.Dispose();
        _tools.Dispose();
    }
}
