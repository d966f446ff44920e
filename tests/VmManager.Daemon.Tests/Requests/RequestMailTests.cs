using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>Requests and their answers, e-mailed through the rig's real SMTP sink (and its real slapd for LDAP users).</summary>
[Collection(RigCollection.Name)]
public sealed class RequestMailTests(RigFixture rig)
{
    [Fact]
    public async Task Create_Request_TeachersGetAUtf8MailWithTheDetailsAndALink()
    {
        var teachers = $"profs-{RequestsApi.Marker()}@school.test";
        using var factory = new VmManagerFactory(RequestsApi.MailSettings(rig, teachers));
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var reason = $"Projet réseau – élève Zoé {RequestsApi.Marker()}\nDeux VM routeurs « OSPF ».";

        var request = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 2, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(7)), reason });

        var mail = await MailSink.WaitForAsync(rig, received => received.To.Contains(teachers, StringComparison.Ordinal));
        Assert.Contains("vm-manager@school.test", mail.From);
        Assert.Equal($"[VmManager] Demande n° {request.Id} de Élève Démo : +2 vCPU", mail.Subject);
        Assert.Contains(reason, mail.Body.ReplaceLineEndings("\n"));
        Assert.Contains("Élève Démo (etudiant) demande des ressources", mail.Body);
        Assert.Contains($"{RequestsApi.PublicOrigin}/#/teacher?request={request.Id}", mail.Body);
        Assert.StartsWith("text/plain; charset=utf-8", RequestsApi.Header(mail, "Content-Type"));
        Assert.Matches($@"^<outbox-\d+\.\d+@vm-manager\.vms\.school\.test>$", RequestsApi.Header(mail, "Message-ID"));
        Assert.Matches(@"^\d+$", RequestsApi.Header(mail, MailSender.OutboxIdHeader));
    }

    [Fact]
    public async Task Create_RelayOverImplicitTlsWithAuth_TeachersGetTheMailAndReadyzIsHealthy()
    {
        using var sink = new SmtpsSink(rig, "vm-manager", "Relais-465");
        var settings = RequestsApi.MailSettings(rig, "profs@school.test");
        settings["Mail:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Mail:Security"] = "Tls";
        settings["Mail:CaCertificatePath"] = rig["SMTP_CA"];
        settings["Mail:UserName"] = "vm-manager";
        settings["Mail:Password"] = "Relais-465";
        using var factory = new VmManagerFactory(settings);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);

        var request = await RequestsApi.CreateAsync(student, new { kind = "vms", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(1)), reason = "Réseau à trois VM" });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (MailSink.AllIn(sink.Maildir).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var mail = Assert.Single(MailSink.AllIn(sink.Maildir));
        Assert.Equal($"[VmManager] Demande n° {request.Id} de Élève Démo : +1 VM", mail.Subject);
        Assert.Contains("Réseau à trois VM", mail.Body);
        var ready = await (await factory.CreateClient().GetAsync("/readyz")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("smtp").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_HtmlInTheReason_ArrivesAsInertText()
    {
        var teachers = $"profs-{RequestsApi.Marker()}@school.test";
        using var factory = new VmManagerFactory(RequestsApi.MailSettings(rig, teachers));
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        const string reason = "<script>alert('x')</script><img src=x onerror=alert(1)> & <b>gras</b>";

        await RequestsApi.CreateAsync(student, new { kind = "vms", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(1)), reason });

        var mail = await MailSink.WaitForAsync(rig, received => received.To.Contains(teachers, StringComparison.Ordinal));
        Assert.StartsWith("text/plain", RequestsApi.Header(mail, "Content-Type"));
        Assert.DoesNotContain("text/html", mail.Raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("multipart", mail.Raw, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(reason, mail.Body);
    }

    [Fact]
    public async Task Approve_CpuRequest_GrowsTheQuotaUntilTheEndDateAndMailsTheStudent()
    {
        var clock = new ManualClock();
        using var factory = new VmManagerFactory(RequestsApi.MailSettings(rig, $"profs-{RequestsApi.Marker()}@school.test"), clock: clock);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var before = await student.GetFromJsonAsync<QuotaStatus>("/api/quota", MachineApi.Json);
        var until = clock.GetUtcNow().AddDays(3);
        var request = await RequestsApi.CreateAsync(student, new { kind = "cpus", amount = 2, until = until.ToString("O"), reason = "TP routage" });
        var comment = $"D'accord, bon courage ! {RequestsApi.Marker()}";

        var approved = await RequestsApi.DecideAsync(teacher, request.Id, "approve", comment);

        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var after = await student.GetFromJsonAsync<QuotaStatus>("/api/quota", MachineApi.Json);
        Assert.Equal(before!.Limits with { MaxCpus = before.Limits.MaxCpus + 2 }, after!.Limits);
        var seen = await RequestsApi.GetAsync(student, request.Id);
        Assert.Equal((RequestStatuses.Approved, comment, RequestsApi.Teacher), (seen.Status, seen.Comment, seen.DecidedBy));
        var mail = await MailSink.WaitForAsync(rig, received => received.Body.Contains(comment, StringComparison.Ordinal));
        Assert.Contains("etudiant@demo.invalid", mail.To);
        Assert.Equal($"[VmManager] Votre demande n° {request.Id} est acceptée : +2 vCPU", mail.Subject);
        Assert.Contains($"Votre quota est maintenant de {before.Limits.MaxCpus + 2} vCPU", mail.Body);
        Assert.Contains($"{RequestsApi.PublicOrigin}/#/requests?request={request.Id}", mail.Body);

        var audit = factory.Services.GetRequiredService<AuditLog>().Find(new AuditQuery(null, null, null, null, 1, 100)).Items;
        Assert.Contains(audit, entry => (entry.Actor, entry.Action, entry.Target) == (RequestsApi.Student, RequestAuditActions.Create, $"request:{request.Id}"));
        Assert.Contains(audit, entry => (entry.Actor, entry.Action, entry.Target) == (RequestsApi.Teacher, RequestAuditActions.Approve, $"request:{request.Id}"));
        Assert.Contains(audit, entry => (entry.Actor, entry.Action, entry.Target) == (RequestsApi.Teacher, AuditActions.SetQuota, RequestsApi.Student));
        var admin = await factory.LoginAsync(RequestsApi.Admin, RequestsApi.AdminPassword);
        var overrides = (await admin.GetFromJsonAsync<UserQuotaStatus>("/api/admin/users/etudiant/quota", MachineApi.Json))!.Overrides;
        Assert.Equal(until, Assert.Single(overrides, o => o.Source == $"request:{request.Id}").ExpiresAt);
        clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromSeconds(1));
        var later = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        Assert.Equal(before.Limits, (await later.GetFromJsonAsync<QuotaStatus>("/api/quota", MachineApi.Json))!.Limits);
    }

    [Fact]
    public async Task Refuse_Request_MailsTheStudentTheComment()
    {
        using var factory = new VmManagerFactory(RequestsApi.MailSettings(rig, $"profs-{RequestsApi.Marker()}@school.test"));
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var request = await RequestsApi.CreateAsync(student, new { kind = "memoryMiB", amount = 8192, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(3)), reason = "Jeux" });
        var comment = $"Pas pour jouer, désolé. {RequestsApi.Marker()}";

        Assert.Equal(HttpStatusCode.OK, (await RequestsApi.DecideAsync(teacher, request.Id, "refuse", comment)).StatusCode);

        var mail = await MailSink.WaitForAsync(rig, received => received.Body.Contains(comment, StringComparison.Ordinal));
        Assert.Equal($"[VmManager] Votre demande n° {request.Id} est refusée : +8192 Mio de mémoire", mail.Subject);
        Assert.Contains("Enseignant Démo a refusé votre demande", mail.Body);
        var seen = await RequestsApi.GetAsync(student, request.Id);
        Assert.Equal((RequestStatuses.Refused, comment), (seen.Status, seen.Comment));
    }

    [Fact]
    public async Task Create_LdapStudent_TheirClassTeacherIsToldAndTheAnswerReachesTheStudentsLdapMail()
    {
        var settings = new Dictionary<string, string?>(RigSettings.Ldap(rig).Concat(RigSettings.Mail(rig)))
        {
            ["Requests:Language"] = "en",
            ["Server:PublicOrigin"] = RequestsApi.PublicOrigin,
        };
        using var factory = new VmManagerFactory(settings);
        // Requests go to the teachers of the student's classes: tom teaches alice here.
        var classes = factory.Services.GetRequiredService<ClassStore>();
        classes.AddLocal("alice-class", "Alice's class");
        classes.EditLocal("alice-class", ClassParts.Student, ["alice"], []);
        classes.EditLocal("alice-class", ClassParts.Teacher, ["tom"], []);
        var alice = await factory.LoginAsync("alice", "Alice-Pw1");
        var tom = await factory.LoginAsync("tom", "Tom-Pw3");
        var marker = RequestsApi.Marker();

        var request = await RequestsApi.CreateAsync(alice, new { kind = "diskGiB", amount = 20, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(5)), reason = $"Dataset {marker}" });
        var toTom = await MailSink.WaitForAsync(rig, received => received.Body.Contains(marker, StringComparison.Ordinal));
        var approved = await RequestsApi.DecideAsync(tom, request.Id, "approve", $"OK {marker}");
        Assert.True(approved.StatusCode == HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());
        var toAlice = await MailSink.WaitForAsync(rig, received => received.Body.Contains($"OK {marker}", StringComparison.Ordinal));

        Assert.Contains("tom@school.test", toTom.To);
        Assert.Equal($"[VmManager] Request #{request.Id} from Alice Dupré: +20 GiB of disk", toTom.Subject);
        Assert.Contains("alice@school.test", toAlice.To);
        Assert.Contains("Alice Dupré", toAlice.To);
        Assert.Equal($"[VmManager] Your request #{request.Id} was approved: +20 GiB of disk", toAlice.Subject);
        Assert.Contains("Tom Lefèvre approved your request", toAlice.Body);
    }

    [Fact]
    public async Task Approve_LifetimeRequest_ExtendsTheVmFromItsExpiryAndMailsTheStudent()
    {
        using var vagrant = new HeldVagrant();
        var settings = RequestsApi.MailSettings(rig, $"profs-{RequestsApi.Marker()}@school.test");
        settings["Hypervisor:VagrantPath"] = vagrant.Path;
        using var factory = new VmManagerFactory(settings);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var name = $"projet-{RequestsApi.Marker()}";
        var vm = (await MachineApi.CreateAsync(student, name, lifetimeHours: 8)).Machine;
        var request = await RequestsApi.CreateAsync(student,
            new { kind = "lifetimeHours", amount = 48, vmId = vm.Id, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromHours(8)), reason = "Soutenance lundi" });

        var approved = await RequestsApi.DecideAsync(teacher, request.Id, "approve", null);

        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(name, request.VmName);
        Assert.Equal(vm.ExpiresAt.AddHours(48), (await MachineApi.GetAsync(student, vm.Id))!.ExpiresAt);
        var mail = await MailSink.WaitForAsync(rig, received => received.Subject.Contains(name, StringComparison.Ordinal) && received.Subject.Contains("acceptée", StringComparison.Ordinal));
        Assert.Equal($"[VmManager] Votre demande n° {request.Id} est acceptée : +48 h pour la VM « {name} »", mail.Subject);
        Assert.Contains($"Votre VM « {name} » expire maintenant le", mail.Body);
        vagrant.Release();
    }

    [Fact]
    public async Task Create_LifetimeRequestForAnotherStudentsVm_Is400()
    {
        using var vagrant = new HeldVagrant();
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:VagrantPath"] = vagrant.Path });
        var teacher = await factory.LoginAsync(RequestsApi.Teacher, RequestsApi.TeacherPassword);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var teachersVm = (await MachineApi.CreateAsync(teacher, "demo-prof")).Machine;

        var response = await student.PostAsJsonAsync("/api/requests",
            new { kind = "lifetimeHours", amount = 8, vmId = teachersVm.Id, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromHours(2)), reason = "svp" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("vmId", await response.Content.ReadAsStringAsync());
        vagrant.Release();
    }
}
