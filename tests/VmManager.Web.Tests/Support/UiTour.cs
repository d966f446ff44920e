using System.Net.Http.Json;
using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>One page of the UI as a given user sees it, ready when <see cref="Ready"/> is visible.</summary>
public sealed record TourStop(string Name, string User, string Hash, string Ready, Func<IPage, Task>? Prepare = null);

/// <summary>
/// Every page of the UI with content in it: VMs created by the student and the teacher (fake vagrant:
/// they stay "creating"), resource requests (one answered), an admin quota override and audit entries.
/// </summary>
public static class UiTour
{
    private static readonly Dictionary<string, string> Passwords = new()
    {
        ["etudiant"] = WebUiFactory.StudentPassword,
        ["enseignant"] = WebUiFactory.TeacherPassword,
        ["admin"] = WebUiFactory.AdminPassword,
    };

    public static readonly TourStop[] Stops =
    [
        new("login", "", "", "#login-error", async page =>
        {
            await page.Locator("#userName").FillAsync("etudiant");
            await page.Locator("#password").FillAsync("wrong-password");
            await page.Locator("#login-form button[type=submit]").ClickAsync();
        }),
        new("my-vms", "etudiant", "#/vms", ".vm-card .log-output", page => page.Locator(".vm-card summary").First.ClickAsync()),
        new("create", "etudiant", "#/vms/new", ".create-form"),
        new("create-errors", "etudiant", "#/vms/new", ".create-form .field-error:visible >> nth=1", async page =>
        {
            await page.Locator("input[name=name]").FillAsync("Mon_Serveur");
            await page.Locator("input[name=cpus]").FillAsync("4");
            await page.Locator(".create-form button[type=submit]").ClickAsync();
        }),
        new("requests", "etudiant", "#/requests", ".request-list tbody tr"),
        // The console of a VM still being created: the message alone, no empty screen.
        new("console", "etudiant", "", "#error:visible", OpenConsoleAsync),
        // Its "type text" dialog, opened by script (its button waits for a connected console).
        new("console-text-dialog", "etudiant", "", "#text-dialog[open]", async page =>
        {
            await OpenConsoleAsync(page);
            await page.Locator("#error:visible").WaitForAsync();
            await page.EvaluateAsync("() => document.querySelector('#text-dialog').showModal()");
        }),
        new("teacher", "enseignant", "#/teacher", ".request-card"),
        new("admin-health", "admin", "#/admin/health", ".health-card"),
        new("admin-vms", "admin", "#/admin/vms", "table.machines tbody tr"),
        new("admin-users", "admin", "#/admin/users", ".quota-form", async page =>
        {
            await page.Locator("#view input[name=userName]").FillAsync("etudiant");
            await page.Locator(".inline-form button[type=submit]").ClickAsync();
        }),
        new("admin-templates", "admin", "#/admin/templates", "tbody tr"),
        new("admin-jobs", "admin", "#/admin/jobs", "tbody tr"),
        new("admin-audit", "admin", "#/admin/audit", "tbody tr"),
        // A confirmation dialog (the same as a VM's delete), last of its user: it stays open.
        new("admin-users-dialog", "admin", "#/admin/users", "dialog.confirm-dialog[open]", async page =>
        {
            await page.Locator("#view input[name=userName]").FillAsync("etudiant");
            await page.Locator(".inline-form button[type=submit]").ClickAsync();
            await page.Locator(".quota-form .button.danger").ClickAsync();
        }),
    ];

    /// <summary>The console page of the student's first VM, in a full page load as from its link.</summary>
    private static async Task OpenConsoleAsync(IPage page)
    {
        var id = await page.EvaluateAsync<string>("async () => (await (await fetch('/api/vms')).json())[0].id");
        await page.GotoAsync($"/console.html?vm={Uri.EscapeDataString(id)}");
    }

    /// <summary>What the pages show: VMs (two of the student's, one of the teacher's), requests, a quota override.</summary>
    public static async Task SeedAsync(WebUiFactory factory)
    {
        using var student = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        using var teacher = await factory.LoginAsync("enseignant", WebUiFactory.TeacherPassword);
        using var admin = await factory.LoginAsync("admin", WebUiFactory.AdminPassword);
        await MachineApi.CreateAsync(student, "tp-reseau");
        await MachineApi.CreateAsync(student, "projet-web", lifetimeHours: 24);
        await MachineApi.CreateAsync(teacher, "demo-prof");
        await RequestApi.CreateAsync(student, "cpus", 2, "Compiler le projet de fin d'année");
        var memory = await RequestApi.CreateAsync(student, "memoryMiB", 1024, "TP de bases de données");
        await RequestApi.DecideAsync(teacher, memory, "approve", "D'accord jusqu'aux vacances.");
        await RequestApi.CreateAsync(student, "template", null, "Essayer Windows", template: "Windows 11");
        var response = await admin.PutAsJsonAsync("/api/admin/users/etudiant/quota", new { maxVms = 3, reason = "Projet tutoré" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Visits each stop in order, one browser context per user, and hands each ready page to <paramref name="visit"/>.</summary>
    public static async Task WalkAsync(BrowserFixture browser, WebUiFactory factory, string language, ViewportSize size, Func<TourStop, IPage, Task> visit)
    {
        foreach (var group in Stops.GroupBy(stop => stop.User))
        {
            var page = await browser.OpenAsync(factory, language, size);
            if (group.Key == "")
            {
                await page.GotoAsync("/");
            }
            else
            {
                await UiSession.LoginAsync(page, group.Key, Passwords[group.Key]);
            }
            foreach (var stop in group)
            {
                if (stop.Hash != "")
                {
                    await UiSession.GoAsync(page, stop.Hash);
                }
                if (stop.Prepare is not null)
                {
                    await stop.Prepare(page);
                }
                await page.Locator(stop.Ready).First.WaitForAsync();
                await visit(stop, page);
            }
            Assert.Empty(browser.PageErrors[page]);
            await page.Context.CloseAsync();
        }
    }
}
