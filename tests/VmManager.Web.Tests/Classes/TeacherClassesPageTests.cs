using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Classes;

/// <summary>The teacher page groups students by class and filters the VM table by class; saved in French and English.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TeacherClassesPageTests(BrowserFixture browser)
{
    [Theory]
    [InlineData("fr", "Classe", "Réseaux 2B", "Toutes mes classes")]
    [InlineData("en", "Class", "Réseaux 2B", "All my classes")]
    public async Task TeacherPage_FilteredByClass_ShowsOnlyThatClassesVms(string language, string filterLabel, string className, string all)
    {
        using var factory = new WebUiFactory(realRig: false);
        var accounts = factory.Services.GetRequiredService<LocalAccountStore>();
        accounts.Create("lea", "Léa Martin", null, Role.Student, "Lea-Password1");
        accounts.Create("noa", "Noa Petit", null, Role.Student, "Noa-Password1");
        var classes = factory.Services.GetRequiredService<ClassStore>();
        classes.AddLocal("net-2b", className);
        classes.EditLocal("net-2b", ClassParts.Student, ["lea"], []);
        classes.EditLocal("net-2b", ClassParts.Teacher, ["enseignant"], []);
        using (var etudiant = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword))
        {
            await MachineApi.CreateAsync(etudiant, "tp-demo");
        }
        using (var lea = await factory.LoginAsync("lea", "Lea-Password1"))
        {
            await MachineApi.CreateAsync(lea, "tp-reseau");
        }
        using (var noa = await factory.LoginAsync("noa", "Noa-Password1"))
        {
            await MachineApi.CreateAsync(noa, "hors-classe"); // noa is in no class: never shown to this teacher
        }
        var page = await browser.OpenAsync(factory, language, BrowserFixture.Desktop);
        await UiSession.LoginAsync(page, "enseignant", WebUiFactory.TeacherPassword);
        await UiSession.GoAsync(page, "#/teacher");

        var rows = page.Locator("table.machines tbody tr:visible th");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("table.machines")).Not.ToContainTextAsync("hors-classe");
        await Expect(page.Locator(".class-card h3")).ToHaveTextAsync(["Classe démo", className]);
        await Expect(page.Locator(".class-card[data-class-id='net-2b']")).ToContainTextAsync("Léa Martin");
        var filter = page.GetByLabel(filterLabel, new() { Exact = true });
        await Expect(filter.Locator("option").First).ToHaveTextAsync(all);

        await filter.SelectOptionAsync(new SelectOptionValue { Label = className });

        await Expect(rows).ToHaveTextAsync(["tp-reseau"]);
        await Expect(page.Locator(".class-card:visible h3")).ToHaveTextAsync([className]);
        await Screenshot.SaveAsync(page, $"teacher-classes-{language}");
        await filter.SelectOptionAsync(new SelectOptionValue { Label = all });
        await Expect(rows).ToHaveCountAsync(2);
        Assert.Empty(browser.PageErrors[page]);
    }
}
