using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Tests.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>A class's quota above the role's default, set by an admin or the class's teacher; the highest of a student's classes wins.</summary>
public sealed class ClassQuotaTests : IDisposable
{
    private readonly TempDirectory _tools = new();
    private readonly VmManagerFactory _factory;

    public ClassQuotaTests()
    {
        _factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:VagrantPath"] = MachineFaultTests.FakeVagrant(_tools, "sleep 30") });
        var accounts = _factory.Services.GetRequiredService<LocalAccountStore>();
        accounts.Create("lea", "Léa", null, Role.Student, "Lea-Password1");
        accounts.Create("prof", "Prof", null, Role.Teacher, "Prof-Password1");
        var classes = _factory.Services.GetRequiredService<ClassStore>();
        foreach (var (id, teacher) in new[] { ("net", "prof"), ("sys", "admin") })
        {
            classes.AddLocal(id, id);
            classes.EditLocal(id, ClassParts.Student, ["lea"], []);
            classes.EditLocal(id, ClassParts.Teacher, [teacher], []);
        }
    }

    public void Dispose()
    {
        _factory.Dispose();
        _tools.Dispose();
    }

    [Fact]
    public async Task PutQuota_ClassTeacherAndAdmin_StudentGetsTheHighestAndSeesWhereItComesFrom()
    {
        var prof = await _factory.LoginAsync("prof", "Prof-Password1");
        var otherTeacher = await _factory.LoginAsync("enseignant", "Enseignant-Demo1");
        var admin = await _factory.LoginAsync("admin", "Admin-Demo1");

        Assert.Equal(HttpStatusCode.NotFound, (await otherTeacher.PutAsJsonAsync("/api/classes/net/quota", new { maxVms = 9 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await prof.PutAsJsonAsync("/api/classes/net/quota", new { maxVms = 3, maxRunningVms = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/classes/sys/quota", new { maxVms = 1, maxCpus = 8 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await prof.PutAsJsonAsync("/api/classes/net/quota", new { maxVms = -1 })).StatusCode);

        var lea = await _factory.LoginAsync("lea", "Lea-Password1");
        var quota = await lea.GetFromJsonAsync<JsonElement>("/api/quota");
        Assert.Equal(3, quota.GetProperty("limits").GetProperty("maxVms").GetInt32());
        Assert.Equal(8, quota.GetProperty("limits").GetProperty("maxCpus").GetInt32());
        var sources = quota.GetProperty("sources");
        Assert.Equal(("class:net", "class:sys", "role"),
            (sources.GetProperty("maxVms").GetString(), sources.GetProperty("maxCpus").GetString(), sources.GetProperty("maxDiskGiB").GetString()));

        var creates = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            creates.Add((await lea.PostAsJsonAsync("/api/vms", new { name = $"lab-{i}", templateId = "tiny" })).StatusCode);
        }
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Conflict], creates);
    }
}
