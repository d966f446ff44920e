using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace VmManager.Web.Tests.Support;

/// <summary>Checks every page must pass, whatever its content, language or size.</summary>
public static partial class PageChecks
{
    /// <summary>Visible form controls without a label (label element, aria-label or aria-labelledby with text).</summary>
    public static Task<string[]> UnlabelledControlsAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => [...document.querySelectorAll('input, select, textarea')]
          .filter(control => control.type !== 'hidden' && control.checkVisibility({ visibilityProperty: true }))
          .filter(control => {
            const byLabel = [...(control.labels ?? [])].some(label => label.textContent.trim());
            const byAria = (control.getAttribute('aria-label') ?? '').trim();
            const byReference = (control.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean)
              .some(id => document.getElementById(id)?.textContent.trim());
            return !(byLabel || byAria || byReference);
          })
          .map(control => control.outerHTML)
        """);

    /// <summary>States shown by colour alone: every state badge needs an icon and a word.</summary>
    public static Task<string[]> ColourOnlyStatesAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => [...document.querySelectorAll('.state')]
          .filter(state => !state.querySelector('svg.icon') || !state.textContent.trim())
          .map(state => state.outerHTML)
        """);

    /// <summary>Audit actions are data shown as recorded, not i18n keys.</summary>
    private static readonly HashSet<string> AuditActions = ["quota.set", "quota.remove", "vm.create", "vm.start", "vm.stop", "vm.delete"];

    /// <summary>Texts that look like an i18n key shown as is (a string missing from the dictionary).</summary>
    public static async Task<string[]> UntranslatedKeysAsync(IPage page) =>
        [.. I18nKey().Matches(await page.Locator("body").InnerTextAsync()).Select(match => match.Value).Where(text => !AuditActions.Contains(text))];

    /// <summary>Wider than the window means sideways scrolling on a phone or a tablet.</summary>
    public static Task<bool> OverflowsSidewaysAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");

    /// <summary>English the server used to send as is: health descriptions, audit codes and details, vagrant's steps, roles.</summary>
    private static readonly string[] ServerEnglish =
    [
        "schema version", "Running against daemon", "not configured", "template(s)", "all boxes installed", "service bind ok",
        "wrong user name or password", "too many failed attempts", "session.login", "session.logout", "quota.set", "vm.create",
        "Student", "Teacher", "Waiting for", "Creating", "Starting domain", "Graphics Password", "Source:", "vagrant up",
    ];

    private static readonly Lazy<Regex> EnglishText = new(() => new Regex(
        string.Join('|', Dictionaries.EnglishOnlyPieces().Concat(ServerEnglish).OrderByDescending(text => text.Length)
            .Select(text => $@"(?<![\p{{L}}.]){Regex.Escape(text)}(?![\p{{L}}])"))));

    /// <summary>
    /// English on a French page: texts of the English dictionary that French does not share, and English
    /// the server used to send. The operations log is vagrant's own output and stays as written.
    /// </summary>
    public static async Task<string[]> EnglishOnFrenchPageAsync(IPage page)
    {
        var text = await page.EvaluateAsync<string>("""
            () => {
              const logs = [...document.querySelectorAll('.log-output')];
              for (const log of logs) log.style.display = 'none';
              const text = document.body.innerText;
              for (const log of logs) log.style.display = '';
              return text;
            }
            """);
        return [.. EnglishText.Value.Matches(text).Select(match => match.Value).Distinct()];
    }

    public static async Task AssertSoundAsync(IPage page, string where)
    {
        Assert.True((await UnlabelledControlsAsync(page)) is [], $"{where}: controls without a label: {string.Join(", ", await UnlabelledControlsAsync(page))}");
        Assert.True((await ColourOnlyStatesAsync(page)) is [], $"{where}: states without icon and text: {string.Join(", ", await ColourOnlyStatesAsync(page))}");
        Assert.True((await UntranslatedKeysAsync(page)) is [], $"{where}: untranslated: {string.Join(", ", await UntranslatedKeysAsync(page))}");
        Assert.False(await OverflowsSidewaysAsync(page), $"{where}: the page scrolls sideways");
    }

    /// <summary>
    /// Presses Tab through the page and returns the keyboard-reachable controls that Tab never
    /// reached or that showed no focus outline when it did (both should be empty).
    /// </summary>
    public static async Task<(string[] Unreached, string[] Invisible)> TabThroughAsync(IPage page)
    {
        var expected = await page.EvaluateAsync<string[]>("""
            () => {
              const seenRadioGroups = new Set();
              // An open modal dialog keeps Tab inside it, as it should: only its controls are expected then.
              const scope = document.querySelector('dialog[open]:modal') ?? document;
              return [...scope.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
                .filter(element => element.tabIndex >= 0 && !element.disabled && element.checkVisibility({ visibilityProperty: true }))
                .filter(element => element.type !== 'radio' || (!seenRadioGroups.has(element.name) && seenRadioGroups.add(element.name)))
                .map((element, index) => {
                  element.dataset.tabProbe = String(index);
                  return `${index}: ${element.outerHTML.slice(0, 120)}`;
                });
            }
            """);
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        var reached = new HashSet<string>();
        var invisible = new List<string>();
        for (var press = 0; press < expected.Length * 2 + 5; press++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string[]>("""
                () => {
                  const element = document.activeElement;
                  const style = getComputedStyle(element);
                  // Past its day/month/year parts, a date input focuses its calendar button, which
                  // Chromium rings itself (the input then no longer matches :focus).
                  const calendarButton = /^(date|datetime-local)$/.test(element.type) && !element.matches(':focus');
                  const shown = calendarButton || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0);
                  return [element.dataset.tabProbe ?? '', shown ? 'shown' : element.outerHTML.slice(0, 120)];
                }
                """);
            if (focused[0] != "")
            {
                reached.Add(focused[0]);
            }
            if (focused[1] != "shown" && focused[0] != "")
            {
                invisible.Add(focused[1]);
            }
        }
        return ([.. expected.Where(line => !reached.Contains(line.Split(':')[0]))], [.. invisible.Distinct()]);
    }

    [GeneratedRegex(@"\b(?:app|nav|login|home|common|error|form|time|unit|os|state|job|jobState|vms?|quota|create|requests|teacher|machines|admin|health|outcome|role)\.[a-zA-Z][\w.-]*")]
    private static partial Regex I18nKey();
}
