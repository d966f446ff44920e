using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Storage;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>Every bad request is a 400 naming the field, and stores nothing; mail is off (the demo), so no rig is needed.</summary>
public sealed class RequestValidationTests
{
    public static TheoryData<string, string> BadBodies => new()
    {
        { """{ "kind": "cpus", "amount": 2, "until": "+3d", "reason": "" }""", "reason" },
        { """{ "kind": "cpus", "amount": 2, "until": "+3d", "reason": "   " }""", "reason" },
        { """{ "kind": "cpus", "amount": 2, "until": "+3d" }""", "reason" },
        { $$"""{ "kind": "cpus", "amount": 2, "until": "+3d", "reason": "{{new string('x', 2001)}}" }""", "reason" },
        { $$"""{ "kind": "cpus", "amount": 2, "until": "+3d", "reason": "{{new string('é', 10000)}}" }""", "reason" },
        { """{ "kind": "cpus", "amount": 2, "until": "+3d", "reason": "bell \u0007" }""", "reason" },
        { """{ "kind": "cpus", "amount": 0, "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "cpus", "amount": -4, "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "cpus", "amount": 9, "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "memoryMiB", "amount": 99999999999, "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "cpus", "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "template", "amount": 1, "template": "Kali", "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "cpus", "amount": 2, "until": "-1d", "reason": "TP" }""", "until" },
        { """{ "kind": "cpus", "amount": 2, "until": "+121d", "reason": "TP" }""", "until" },
        { """{ "kind": "cpus", "amount": 2, "until": "next friday", "reason": "TP" }""", "until" },
        { """{ "kind": "cpus", "amount": 2, "reason": "TP" }""", "until" },
        { """{ "kind": "gpus", "amount": 2, "until": "+3d", "reason": "TP" }""", "kind" },
        { """{ "amount": 2, "until": "+3d", "reason": "TP" }""", "kind" },
        { """{ "kind": "lifetimeHours", "amount": 24, "until": "+3d", "reason": "TP" }""", "vmId" },
        { """{ "kind": "lifetimeHours", "amount": 24, "vmId": "vm-nope", "until": "+3d", "reason": "TP" }""", "vmId" },
        { """{ "kind": "lifetimeHours", "amount": 169, "vmId": "x", "until": "+3d", "reason": "TP" }""", "amount" },
        { """{ "kind": "cpus", "amount": 2, "vmId": "x", "until": "+3d", "reason": "TP" }""", "vmId" },
        { """{ "kind": "template", "until": "+3d", "reason": "TP" }""", "template" },
        { $$"""{ "kind": "template", "template": "{{new string('t', 10000)}}", "until": "+3d", "reason": "TP" }""", "template" },
        { """{ "kind": "disk", "template": "Kali", "amount": 2, "until": "+3d", "reason": "TP" }""", "kind" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_BadField_Is400NamingItAndStoresNothing(string body, string field)
    {
        using var factory = new VmManagerFactory();
        var client = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var now = DateTimeOffset.UtcNow;
        body = body.Replace("\"+3d\"", $"\"{now.AddDays(3):O}\"").Replace("\"-1d\"", $"\"{now.AddDays(-1):O}\"").Replace("\"+121d\"", $"\"{now.AddDays(121):O}\"");

        var response = await client.PostAsync("/api/requests", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
        Assert.Empty((await client.GetFromJsonAsync<ResourceRequestView[]>("/api/requests", MachineApi.Json))!);
        using var connection = factory.Services.GetRequiredService<Database>().Open();
        Assert.Equal(0, connection.ExecuteScalar<int>("SELECT COUNT(*) FROM resource_requests"));
    }

    [Fact]
    public async Task Create_HtmlInReason_IsStoredAndReturnedAsText()
    {
        using var factory = new VmManagerFactory();
        var client = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        const string reason = "<script>alert('x')</script><img src=x onerror=alert(1)> & <b>gras</b>";

        var created = await RequestsApi.CreateAsync(client, new { kind = "cpus", amount = 2, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2)), reason });

        Assert.Equal(reason, created.Reason);
        Assert.Equal(reason, (await RequestsApi.GetAsync(client, created.Id)).Reason);
    }

    [Fact]
    public async Task Create_SixthPendingRequest_Is429()
    {
        using var factory = new VmManagerFactory();
        var client = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        object Body(int i) => new { kind = "diskGiB", amount = 5, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2)), reason = $"TP {i}" };
        for (var i = 1; i <= 5; i++)
        {
            await RequestsApi.CreateAsync(client, Body(i));
        }

        var sixth = await client.PostAsJsonAsync("/api/requests", Body(6));

        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal("application/problem+json", sixth.Content.Headers.ContentType?.MediaType);
        Assert.Contains("request-rate-limited", await sixth.Content.ReadAsStringAsync());
        Assert.Equal(5, (await client.GetFromJsonAsync<ResourceRequestView[]>("/api/requests", MachineApi.Json))!.Length);
    }

    [Fact]
    public async Task Create_OverTheDailyLimit_Is429WithRetryAfterEvenOnceAnswered()
    {
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Requests:MaxPerDay"] = "3" });
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        for (var i = 1; i <= 3; i++)
        {
            var created = await RequestsApi.CreateAsync(student, new { kind = "vms", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(1)), reason = $"TP {i}" });
            Assert.Equal(HttpStatusCode.OK, (await RequestsApi.DecideAsync(teacher, created.Id, "refuse", "non")).StatusCode);
        }

        var fourth = await student.PostAsJsonAsync("/api/requests", new { kind = "vms", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(1)), reason = "TP 4" });

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.InRange(fourth.Headers.RetryAfter?.Delta?.TotalHours ?? 0, 23.9, 24);
    }

    [Fact]
    public async Task Decide_WrongCallers_AreRefused()
    {
        using var factory = new VmManagerFactory();
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        factory.Services.GetRequiredService<VmManager.Daemon.Accounts.LocalAccountStore>()
            .Create("zoe", "Zoé Élève", "zoe@school.test", VmManager.Daemon.Accounts.Role.Student, "Zoe-Password-1");
        var otherStudent = await factory.LoginAsync("zoe", "Zoe-Password-1");
        var until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2));
        var mine = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 1, until, reason = "TP" });
        var teachers = await RequestsApi.CreateAsync(teacher, new { kind = "cpus", amount = 1, until, reason = "démo en classe" });

        Assert.Equal(HttpStatusCode.Forbidden, (await RequestsApi.DecideAsync(student, mine.Id, "approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await RequestsApi.DecideAsync(otherStudent, mine.Id, "refuse", "non")).StatusCode);
        var own = await RequestsApi.DecideAsync(teacher, teachers.Id, "approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("your own request", await own.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await otherStudent.GetAsync($"/api/requests/{mine.Id}")).StatusCode);
        Assert.Empty((await otherStudent.GetFromJsonAsync<ResourceRequestView[]>("/api/requests?scope=all", MachineApi.Json))!);
        Assert.Equal(HttpStatusCode.NotFound, (await RequestsApi.DecideAsync(teacher, 999, "approve", null)).StatusCode);
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/requests", new { kind = "cpus" })).StatusCode);
        Assert.Equal(RequestStatuses.Pending, (await RequestsApi.GetAsync(student, mine.Id)).Status);
        Assert.Equal(RequestStatuses.Pending, (await RequestsApi.GetAsync(teacher, teachers.Id)).Status);
    }

    [Fact]
    public async Task Decide_SecondDecisionOrMissingRefusalComment_IsRefused()
    {
        using var factory = new VmManagerFactory();
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var request = await RequestsApi.CreateAsync(student, new { kind = "template", template = "Kali Linux", until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2)), reason = "TP sécurité" });

        var noComment = await RequestsApi.DecideAsync(teacher, request.Id, "refuse", "  ");
        var longComment = await RequestsApi.DecideAsync(teacher, request.Id, "approve", new string('c', 2001));
        var approved = await RequestsApi.DecideAsync(teacher, request.Id, "approve", null);
        var again = await RequestsApi.DecideAsync(teacher, request.Id, "refuse", "finalement non");

        Assert.Equal(HttpStatusCode.BadRequest, noComment.StatusCode);
        Assert.Contains("comment", await noComment.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, longComment.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var seen = await RequestsApi.GetAsync(student, request.Id);
        Assert.Equal((RequestStatuses.Approved, RequestsApi.Teacher, (string?)null), (seen.Status, seen.DecidedBy, seen.Comment));
    }

    [Fact]
    public async Task List_ScopeAndStatus_FilterAndBadValuesAre400()
    {
        using var factory = new VmManagerFactory();
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2));
        var refused = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 1, until, reason = "un" });
        var pending = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 2, until, reason = "deux" });
        await RequestsApi.DecideAsync(teacher, refused.Id, "refuse", "non");

        var all = await teacher.GetFromJsonAsync<ResourceRequestView[]>("/api/requests?scope=all", MachineApi.Json);
        var teachersOwn = await teacher.GetFromJsonAsync<ResourceRequestView[]>("/api/requests", MachineApi.Json);
        var pendingOnly = await teacher.GetFromJsonAsync<ResourceRequestView[]>("/api/requests?scope=all&status=pending", MachineApi.Json);
        var badStatus = await teacher.GetAsync("/api/requests?status=done");
        var badScope = await teacher.GetAsync("/api/requests?scope=everyone");

        Assert.Equal([pending.Id, refused.Id], all!.Select(request => request.Id));
        Assert.Empty(teachersOwn!);
        Assert.Equal([pending.Id], pendingOnly!.Select(request => request.Id));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Contains("status", await badStatus.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badScope.StatusCode);
    }

    [Fact]
    public async Task Create_MailDisabled_QueuesNothing()
    {
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Requests:NotifyAddresses:0"] = "profs@school.test" });
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var admin = await factory.LoginAsync(RequestsApi.Admin, RequestsApi.AdminPassword);
        var request = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(2)), reason = "TP" });
        Assert.Equal(HttpStatusCode.OK, (await RequestsApi.DecideAsync(teacher, request.Id, "approve", "ok")).StatusCode);

        var status = await admin.GetFromJsonAsync<MailStatus>("/api/admin/mail", MachineApi.Json);

        Assert.Equal(new MailStatus(false, 0, 0, 0, null, null, null), status);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync("/api/admin/mail")).StatusCode);
    }

    [Fact]
    public async Task Find_PendingPastItsEnd_IsExpiredAndAudited()
    {
        var clock = new ManualClock();
        using var factory = new VmManagerFactory(clock: clock);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var request = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 1, until = RequestsApi.Until(clock, TimeSpan.FromMinutes(30)), reason = "TP" });

        clock.Advance(TimeSpan.FromMinutes(31));
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);

        Assert.Equal(RequestStatuses.Expired, (await RequestsApi.GetAsync(teacher, request.Id)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await RequestsApi.DecideAsync(teacher, request.Id, "approve", null)).StatusCode);
        var audit = factory.Services.GetRequiredService<VmManager.Daemon.Accounts.AuditLog>()
            .Find(new VmManager.Daemon.Accounts.AuditQuery(null, RequestAuditActions.Expire, null, null, 1, 10));
        Assert.Equal([$"request:{request.Id}"], audit.Items.Select(entry => entry.Target));
    }
}
