using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Machines;

/// <summary>Real VMs on the rig (Vagrant + libvirt), driven from the browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class StudentJourneyTests(BrowserFixture browser, RigFixture rig)
{
    private static readonly TimeSpan VagrantUp = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Student_CreatesWatchesUsesStopsAndDeletesAVm_AllWithoutReloading()
    {
        Assert.NotEmpty(rig.Env);
        using var factory = new WebUiFactory(realRig: true);
        using var api = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        var name = $"parcours-{Guid.NewGuid().ToString("N")[..6]}";
        var page = await browser.OpenAsync(factory);
        string? id = null;
        try
        {
            await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
            await Expect(page.Locator(".empty")).ToHaveTextAsync(new Regex("Vous n'avez aucune VM pour l'instant."));
            await page.EvaluateAsync("() => { window.__sameDocument = true; }");

            // Create: the card appears at once and follows the job's steps through server-sent events.
            await page.GetByRole(AriaRole.Link, new() { Name = "Nouvelle VM" }).First.ClickAsync();
            await page.GetByLabel("Nom de la VM", new() { Exact = true }).FillAsync(name);
            await page.GetByRole(AriaRole.Button, new() { Name = "Créer la VM" }).ClickAsync();
            var card = page.Locator(".vm-card", new() { HasText = name });
            id = await card.GetAttributeAsync("data-vm-id");
            await Expect(card.Locator(".state")).ToHaveTextAsync("Création");
            await Expect(card.Locator("progress")).ToBeVisibleAsync();
            await Expect(card.Locator(".step")).ToHaveTextAsync(StepText());
            var firstStep = await card.Locator(".step").TextContentAsync();
            await Expect(card.Locator(".step")).Not.ToHaveTextAsync(firstStep!, new() { Timeout = 60_000 });
            var laterStep = await card.Locator(".step").TextContentAsync();
            Assert.Matches(StepText(), laterStep);
            await Screenshot.SaveAsync(page, "journey-creating-fr-desktop");
            await Expect(card.Locator(".state")).Not.ToHaveTextAsync("Création", new() { Timeout = (float)VagrantUp.TotalMilliseconds });
            Assert.True(await card.Locator(".state").TextContentAsync() == "En marche", await api.GetStringAsync($"/api/vms/{id}/log"));
            await Expect(card.Locator(".progress")).ToBeHiddenAsync();
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");

            // The generated login, revealed on demand and copied.
            await card.GetByRole(AriaRole.Button, new() { Name = "Afficher le mot de passe" }).ClickAsync();
            var credentials = (await api.GetFromJsonAsync<Credentials>($"/api/vms/{id}/credentials", MachineApi.Json))!;
            await Expect(card.Locator(".login-user")).ToHaveTextAsync(credentials.UserName);
            await Expect(card.GetByLabel("Mot de passe", new() { Exact = true })).ToHaveValueAsync(credentials.Password);
            await card.GetByRole(AriaRole.Button, new() { Name = "Copier" }).ClickAsync();
            await Expect(page.Locator(".page-status")).ToHaveTextAsync("Mot de passe copié dans le presse-papiers.");
            Assert.Equal(credentials.Password, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
            await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Masquer le mot de passe" })).ToHaveAttributeAsync("aria-expanded", "true");

            // The console opens in a new tab on the console page (tested on its own branch).
            var console = card.GetByRole(AriaRole.Link, new() { Name = "Ouvrir la console" });
            await Expect(console).ToHaveAttributeAsync("href", $"/console.html?vm={id}", new() { Timeout = 30_000 });
            await Expect(console).ToHaveAttributeAsync("target", "_blank");

            // The log of the operations, fetched when opened.
            await card.Locator("summary", new() { HasText = "Journal des opérations" }).ClickAsync();
            await Expect(card.Locator(".log-output")).ToContainTextAsync("##### job");
            await Expect(card.Locator(".log-output")).ToContainTextAsync("vagrant up");

            // A longer lease, chosen among the template's lifetimes.
            await card.GetByLabel("Prolonger le bail de").SelectOptionAsync("8");
            await card.GetByRole(AriaRole.Button, new() { Name = "Prolonger" }).ClickAsync();
            await Expect(card.Locator(".card-status")).ToHaveTextAsync(new Regex("^Bail prolongé jusqu'au "));
            await Expect(card.Locator(".lease time")).ToHaveTextAsync(new Regex(@"^7\sh 5\d\smin \d\d\ss$"));
            await Screenshot.SaveAsync(page, "journey-running-fr-desktop");
            await page.SetViewportSizeAsync(BrowserFixture.Narrow.Width, BrowserFixture.Narrow.Height);
            await Screenshot.SaveAsync(page, "journey-running-fr-narrow");
            await page.SetViewportSizeAsync(BrowserFixture.Desktop.Width, BrowserFixture.Desktop.Height);

            // Stop, then delete after confirming in a dialog.
            await card.GetByRole(AriaRole.Button, new() { Name = "Arrêter" }).ClickAsync();
            await Expect(card.Locator(".card-status")).ToHaveTextAsync($"Arrêt de {name} demandé.");
            await Expect(card.Locator(".state")).ToHaveTextAsync("Arrêtée", new() { Timeout = 90_000 });
            await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Démarrer" })).ToBeEnabledAsync();
            await Expect(console).ToBeHiddenAsync();

            await card.GetByRole(AriaRole.Button, new() { Name = "Supprimer" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Supprimer la VM « {name} » ?" });
            await Expect(dialog).ToBeVisibleAsync();
            await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Annuler" })).ToBeFocusedAsync();
            await Screenshot.SaveAsync(page, "journey-delete-dialog-fr-desktop");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Supprimer définitivement" }).ClickAsync();
            await Expect(card).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            await Expect(page.Locator(".page-status")).ToHaveTextAsync($"La VM {name} a été supprimée.");
            await Expect(page.Locator(".empty")).ToBeVisibleAsync();
            Assert.Null(await MachineApi.GetAsync(api, id!));
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
            Assert.Empty(browser.PageErrors[page]);
        }
        finally
        {
            await RemoveAsync(api, id);
        }
    }

    [Fact]
    public async Task RunningVm_StoppedThroughTheApiThenByTheTeacher_OwnerAndTeacherPagesFollowWithinTwoSeconds()
    {
        Assert.NotEmpty(rig.Env);
        using var factory = new WebUiFactory(realRig: true);
        using var api = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        var name = $"direct-{Guid.NewGuid().ToString("N")[..6]}";
        var accepted = await MachineApi.CreateAsync(api, name);
        var id = accepted.Machine.Id;
        try
        {
            await SucceedsAsync(api, id, accepted.Job.Id);
            var student = await browser.OpenAsync(factory);
            await UiSession.LoginAsync(student, "etudiant", WebUiFactory.StudentPassword);
            var card = student.Locator($".vm-card[data-vm-id='{id}']");
            await Expect(card.Locator(".state")).ToHaveTextAsync("En marche");
            var teacher = await browser.OpenAsync(factory);
            await UiSession.LoginAsync(teacher, "enseignant", WebUiFactory.TeacherPassword);
            await teacher.GetByRole(AriaRole.Link, new() { Name = "Enseignant" }).ClickAsync();
            var row = teacher.Locator($"tr[data-vm-id='{id}']");
            await Expect(row.Locator(".state")).ToHaveTextAsync("En marche");
            await Expect(row.GetByRole(AriaRole.Cell, new() { Name = "etudiant", Exact = true })).ToBeVisibleAsync();
            await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Voir la console" })).ToHaveAttributeAsync("href", $"/console.html?vm={id}", new() { Timeout = 30_000 });
            await student.EvaluateAsync("() => { window.__sameDocument = true; }");
            await teacher.EvaluateAsync("() => { window.__sameDocument = true; }");

            // Another client of the same student stops it: both open pages follow the events.
            var stop = await MachineApi.ActAsync(api, id, "stop");
            await SucceedsAsync(api, id, stop.Id);
            await Expect(card.Locator(".state")).ToHaveTextAsync("Arrêtée", new() { Timeout = 2_000 });
            await Expect(row.Locator(".state")).ToHaveTextAsync("Arrêtée", new() { Timeout = 2_000 });

            var start = await MachineApi.ActAsync(api, id, "start");
            await SucceedsAsync(api, id, start.Id);
            await Expect(card.Locator(".state")).ToHaveTextAsync("En marche", new() { Timeout = 2_000 });
            await Expect(row.Locator(".state")).ToHaveTextAsync("En marche", new() { Timeout = 2_000 });

            // The teacher stops the student's VM, after confirming.
            await row.GetByRole(AriaRole.Button, new() { Name = "Arrêter" }).ClickAsync();
            var dialog = teacher.GetByRole(AriaRole.Dialog, new() { Name = $"Arrêter la VM « {name} » de etudiant ?" });
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Arrêter" }).ClickAsync();
            await Expect(teacher.Locator(".machine-table > .page-status")).ToHaveTextAsync($"Arrêter : {name} (etudiant), demandé.");
            await Expect(row.Locator(".state")).ToHaveTextAsync("Arrêtée", new() { Timeout = 90_000 });
            await Expect(card.Locator(".state")).ToHaveTextAsync("Arrêtée", new() { Timeout = 2_000 });
            await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Arrêter" })).ToHaveCountAsync(0);
            Assert.Equal(MachineStates.Stopped, (await MachineApi.GetAsync(api, id))!.State);
            Assert.True(await student.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the student's page was reloaded");
            Assert.True(await teacher.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the teacher's page was reloaded");
            Assert.Empty(browser.PageErrors[student]);
            Assert.Empty(browser.PageErrors[teacher]);
        }
        finally
        {
            await RemoveAsync(api, id);
        }
    }

    /// <summary>"Création — étape : …" with a non-empty step.</summary>
    [GeneratedRegex("^Création — étape [1-5] sur 5 : .+")]
    private static partial Regex StepText();

    /// <summary>Waits for the job; a failure shows the VM's log (what vagrant or virsh said).</summary>
    private static async Task SucceedsAsync(HttpClient api, string id, long jobId)
    {
        var job = await MachineApi.WaitForJobAsync(api, jobId, VagrantUp);
        Assert.True(job.State == JobStates.Succeeded, $"{job.Kind} failed: {job.Error}\n{await api.GetStringAsync($"/api/vms/{id}/log")}");
    }

    /// <summary>Leaves nothing on the rig whatever happened: deletes the VM if it still exists.</summary>
    private static async Task RemoveAsync(HttpClient api, string? id)
    {
        if (id is null || await MachineApi.GetAsync(api, id) is not { } machine)
        {
            return;
        }
        if (machine.Job is { } running)
        {
            await MachineApi.WaitForJobAsync(api, running.Id, VagrantUp);
        }
        var delete = await MachineApi.ActAsync(api, id, "delete");
        await MachineApi.WaitForJobAsync(api, delete.Id);
    }
}
