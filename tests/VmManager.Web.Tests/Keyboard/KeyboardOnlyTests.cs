using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Keyboard;

/// <summary>A real VM on the rig, from sign-in to deletion with the keyboard only: Tab, type, Enter, Space — never the mouse.</summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyboardOnlyTests(BrowserFixture browser, RigFixture rig)
{
    private static readonly TimeSpan VagrantUp = TimeSpan.FromMinutes(3);

    /// <summary>A cheap fingerprint of the noVNC canvas, to see the guest answer the keys typed.</summary>
    private const string ScreenFingerprint = """
        () => {
          const canvas = document.querySelector('#screen canvas');
          if (!canvas || !canvas.width) return 0;
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let sum = 0;
          for (let i = 0; i < pixels.length; i += 4) sum = (sum * 31 + pixels[i] + pixels[i + 1] * 7 + pixels[i + 2] * 13) % 1000000007;
          return sum;
        }
        """;

    [Fact]
    public async Task Student_SignsInCreatesTypesIntoAndDeletesAVm_WithTheKeyboardOnly()
    {
        Assert.NotEmpty(rig.Env);
        using var factory = new WebUiFactory(realRig: true);
        using var api = await factory.LoginAsync("etudiant", WebUiFactory.StudentPassword);
        var name = $"clavier-{Guid.NewGuid().ToString("N")[..6]}";
        var page = await browser.OpenAsync(factory);
        try
        {
            // Sign in.
            await page.GotoAsync("/");
            await TabToAsync(page, page.Locator("#userName"));
            await page.Keyboard.TypeAsync("etudiant");
            await page.Keyboard.PressAsync("Tab");
            await page.Keyboard.TypeAsync(WebUiFactory.StudentPassword);
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#view h1")).ToBeFocusedAsync();

            // Create: the menu, the template (Space), the name, Enter.
            await TabToAsync(page, page.Locator("#nav a[href='#/vms/new']"));
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#view h1")).ToHaveTextAsync("Nouvelle machine virtuelle");
            await TabToAsync(page, page.Locator("input[name=templateId]").First);
            await page.Keyboard.PressAsync("Space");
            await TabToAsync(page, page.Locator("input[name=name]"));
            await page.Keyboard.TypeAsync(name);
            await page.Keyboard.PressAsync("Enter");
            var card = page.Locator(".vm-card", new() { HasText = name });
            await Expect(card).ToBeVisibleAsync();
            await FocusIsOnAControlAsync(page, "after the create");
            await Expect(card.Locator(".state")).ToHaveTextAsync("En marche", new() { Timeout = (float)VagrantUp.TotalMilliseconds });

            // Open its console (a new tab), reach the screen with Tab and type into the VM.
            var link = card.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Ouvrir la console") });
            await Expect(link).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await TabToAsync(page, link);
            var opened = page.Context.WaitForPageAsync();
            await page.Keyboard.PressAsync("Enter");
            var console = await opened;
            await console.WaitForFunctionAsync("() => window.__console?.state === 'connected'", null, new() { Timeout = 60_000 });
            await TabToAsync(console, console.Locator("#screen canvas"));
            var before = await console.EvaluateAsync<long>(ScreenFingerprint);
            await console.Keyboard.TypeAsync("root");
            await console.Keyboard.PressAsync("Enter");
            await console.WaitForFunctionAsync($"() => ({ScreenFingerprint})() !== {before}", null, new() { Timeout = 30_000 });
            await Expect(console.Locator("#screen canvas")).ToBeFocusedAsync();
            // The documented way out of the screen gives the keyboard back to the page.
            await console.Keyboard.PressAsync("Control+Alt+Shift+KeyQ");
            await Expect(console.Locator("#reconnect")).ToBeFocusedAsync();
            await console.CloseAsync();

            // Delete: the card's button, then the dialog's confirmation; focus lands on the page, not <body>.
            await page.BringToFrontAsync();
            await TabToAsync(page, card.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Supprimer") }));
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Annuler" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Supprimer définitivement" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await FocusIsOnAControlAsync(page, "after confirming the delete");
            await Expect(card).ToHaveCountAsync(0, new() { Timeout = (float)VagrantUp.TotalMilliseconds });
            await FocusIsOnAControlAsync(page, "after the card went");
            await Expect(page.Locator("#view h1")).ToBeFocusedAsync();
            Assert.Empty(browser.PageErrors[page]);
        }
        finally
        {
            if ((await api.GetFromJsonAsync<List<MachineView>>("/api/vms", MachineApi.Json))!.FirstOrDefault(machine => machine.Name == name) is { } left)
            {
                if (left.Job is { } running)
                {
                    await MachineApi.WaitForJobAsync(api, running.Id, VagrantUp);
                }
                await MachineApi.WaitForJobAsync(api, (await MachineApi.ActAsync(api, left.Id, "delete")).Id, VagrantUp);
            }
        }
    }

    /// <summary>Presses Tab until <paramref name="target"/> has the focus; focus never rests on &lt;body&gt; on the way.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var press = 0; press < 80; press++)
        {
            if (await target.EvaluateAsync<bool>("element => element === document.activeElement"))
            {
                return;
            }
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.Fail($"Tab never reached {target}");
    }

    private static async Task FocusIsOnAControlAsync(IPage page, string when)
    {
        await page.WaitForTimeoutAsync(300);
        var focused = await page.EvaluateAsync<string>("() => document.activeElement?.outerHTML.slice(0, 80) ?? 'nothing'");
        Assert.False(focused.StartsWith("<body", StringComparison.Ordinal), $"focus fell to <body> {when}");
    }
}
