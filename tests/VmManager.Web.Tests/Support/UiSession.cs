using Microsoft.Playwright;

namespace VmManager.Web.Tests.Support;

/// <summary>What a user does on the login form, and waits every page test shares.</summary>
public static class UiSession
{
    public static async Task LoginAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/");
        await page.Locator("#userName").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await page.Locator("#session").WaitForAsync();
    }

    /// <summary>Goes to a hash route the way a click on a link does (no reload) and waits for its heading.</summary>
    public static async Task GoAsync(IPage page, string hash)
    {
        await page.EvaluateAsync("hash => { location.hash = hash; }", hash);
        await page.Locator("#view h1").WaitForAsync();
    }
}
