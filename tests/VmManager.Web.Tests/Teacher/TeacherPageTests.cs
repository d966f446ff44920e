using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Teacher;

[Collection(BrowserCollection.Name)]
public sealed class TeacherPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task StudentsVms_ListsEveryStudentsVmLiveButNotTheTeachersOwn()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        using var teacherApi = await factory.LoginAsync("enseignant", WebUiFactory.TeacherPassword);
        await MachineApi.CreateAsync(student, "tp-reseau");
        await MachineApi.CreateAsync(teacherApi, "demo-prof");
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "enseignant", WebUiFactory.TeacherPassword);

        await page.GetByRole(AriaRole.Link, new() { Name = "Enseignant" }).ClickAsync();
        var rows = page.Locator("table.machines tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("th")).ToHaveTextAsync("tp-reseau");
        await Expect(rows.First.Locator(".state")).ToHaveTextAsync("Création");
        await Expect(rows.First.Locator(".row-step")).ToHaveTextAsync("Création — étape 3 sur 5 : attente de son réseau");

        // A VM created while the page is open appears through the event stream.
        await MachineApi.CreateAsync(student, "tp-web");
        await Expect(rows).ToHaveCountAsync(2);
        await page.GetByLabel("Filtrer par nom ou par élève").FillAsync("web");
        await Expect(page.Locator("table.machines tbody tr:visible")).ToHaveCountAsync(1);
        await Expect(page.Locator("table.machines tbody tr:visible th")).ToHaveTextAsync("tp-web");
        await Expect(page.GetByText("Aucune demande en attente.")).ToBeVisibleAsync();
        Assert.Empty(browser.PageErrors[page]);
    }

    [Fact]
    public async Task PendingRequests_ApproveAndRefuse_SendTheCommentAndLeaveTheList()
    {
        using var factory = new WebUiFactory(realRig: false);
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        using var teacherApi = await factory.LoginAsync("enseignant", WebUiFactory.TeacherPassword);
        var cpus = await RequestApi.CreateAsync(student, "cpus", 2, "Compiler le projet de fin d'année");
        var template = await RequestApi.CreateAsync(student, "template", null, "Essayer Windows", template: "Windows 11");
        await RequestApi.CreateAsync(teacherApi, "vms", 1, "Une démo de plus");
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "enseignant", WebUiFactory.TeacherPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Enseignant" }).ClickAsync();

        // The teacher's own request is not offered: another teacher or an admin decides it.
        var pending = page.Locator(".request-card");
        await Expect(pending).ToHaveCountAsync(2);
        var forCpus = pending.Filter(new() { HasText = "Compiler le projet" });
        await Expect(forCpus.Locator("h3")).ToHaveTextAsync("Demande d'etudiant");
        await Expect(forCpus.Locator("dd").First).ToHaveTextAsync("2 processeurs de plus");
        await forCpus.GetByLabel("Commentaire (envoyé à l'élève)").FillAsync("OK pour le projet, jusqu'aux vacances.");
        await forCpus.GetByRole(AriaRole.Button, new() { Name = "Accepter" }).ClickAsync();

        await Expect(page.Locator("#pending-title ~ .page-status")).ToHaveTextAsync("Demande d'etudiant acceptée.");
        await Expect(pending).ToHaveCountAsync(1);
        await Expect(pending.Locator("dd").First).ToHaveTextAsync("Modèle : Windows 11");
        var comment = pending.GetByLabel("Commentaire (envoyé à l'élève)");
        await pending.GetByRole(AriaRole.Button, new() { Name = "Refuser" }).ClickAsync();
        await Expect(page.Locator($"[id='{await comment.GetAttributeAsync("id")}-error']")).ToHaveTextAsync(
            "Dites à l'élève pourquoi : un commentaire est obligatoire pour refuser.");
        await Expect(comment).ToBeFocusedAsync();
        await comment.FillAsync("Pas de licence Windows cette année.");
        await pending.GetByRole(AriaRole.Button, new() { Name = "Refuser" }).ClickAsync();
        await Expect(page.Locator("#pending-title ~ .page-status")).ToHaveTextAsync("Demande d'etudiant refusée.");
        await Expect(page.GetByText("Aucune demande en attente.")).ToBeVisibleAsync();

        var approved = await RequestApi.GetAsync(student, cpus);
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.Equal("OK pour le projet, jusqu'aux vacances.", approved.GetProperty("comment").GetString());
        Assert.Equal("enseignant", approved.GetProperty("decidedBy").GetString());
        var refused = await RequestApi.GetAsync(student, template);
        Assert.Equal("refused", refused.GetProperty("status").GetString());
        Assert.Equal("Pas de licence Windows cette année.", refused.GetProperty("comment").GetString());
        var quota = await student.GetFromJsonAsync<JsonElement>("/api/quota");
        Assert.Equal(6, quota.GetProperty("limits").GetProperty("maxCpus").GetInt32());
        Assert.Empty(browser.PageErrors[page]);
    }
}
