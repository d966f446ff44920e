using Microsoft.Playwright;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>
/// axe-core, the accessibility engine, from npm (tests/VmManager.Web.Tests/package.json, installed by the
/// build): injected into the page under test, never served by the app nor fetched from a CDN.
/// </summary>
public static class Axe
{
    private static readonly string Script = Path.Combine(Repository.Root, "tests", "VmManager.Web.Tests", "node_modules", "axe-core", "axe.min.js");

    /// <summary>WCAG 2.1 level A and AA violations on the page as it is now, one line each (rule, help, first elements).</summary>
    public static async Task<string[]> ViolationsAsync(IPage page)
    {
        Assert.True(File.Exists(Script), $"{Script} is missing: build tests/VmManager.Web.Tests (it runs npm ci)");
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            // Evaluated through the DevTools protocol: the app's Content-Security-Policy rightly refuses inline scripts.
            await page.EvaluateAsync(await File.ReadAllTextAsync(Script) + "\n;0");
        }
        return await page.EvaluateAsync<string[]>("""
            async () => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
              return result.violations.map(violation => `${violation.id} (${violation.impact}): ${violation.help} — ` +
                violation.nodes.slice(0, 3).map(node => `${node.target.join(' ')} ${node.failureSummary?.split('\n')[1] ?? ''}`).join(' | '));
            }
            """);
    }
}
