using Microsoft.Playwright;
using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Login;

[Collection(BrowserCollection.Name)]
public sealed class LoginPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Submit_EmptyFields_ShowsRequiredNextToEachFieldAndFocusesTheFirst()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await page.GotoAsync("/");

        await page.Locator("#login-form button[type=submit]").ClickAsync();

        await Expect(page.Locator("#userName-error")).ToHaveTextAsync("Ce champ est obligatoire.");
        await Expect(page.Locator("#password-error")).ToHaveTextAsync("Ce champ est obligatoire.");
        await Expect(page.Locator("#userName")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#userName")).ToHaveAttributeAsync("aria-describedby", "userName-error");
        await Expect(page.Locator("#userName")).ToBeFocusedAsync();
        Assert.Empty(browser.PageErrors[page]);
    }

    [Fact]
    public async Task Submit_UserNameTooLong_ShowsTheLimitAndKeepsWhatWasTyped()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await page.GotoAsync("/");
        var tooLong = new string('a', 257);

        await page.Locator("#userName").FillAsync(tooLong);
        await page.Locator("#password").FillAsync("secret");
        await page.Locator("#login-form button[type=submit]").ClickAsync();

        await Expect(page.Locator("#userName-error")).ToHaveTextAsync("256 caractères au plus.");
        await Expect(page.Locator("#password-error")).ToBeHiddenAsync();
        await Expect(page.Locator("#userName")).ToHaveValueAsync(tooLong);
        await Expect(page.Locator("#password")).ToHaveValueAsync("secret");
    }

    [Fact]
    public async Task Submit_WrongPassword_SaysSoKeepsWhatWasTypedAndSwitchesLanguage()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await page.GotoAsync("/");

        await page.Locator("#userName").FillAsync("etudiant");
        await page.Locator("#password").FillAsync("not-the-password");
        await page.Locator("#login-form button[type=submit]").ClickAsync();

        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Identifiant ou mot de passe incorrect.");
        await Expect(page.Locator("#userName")).ToHaveValueAsync("etudiant");
        await Expect(page.Locator("#password")).ToHaveValueAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong user name or password.");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByLabel("User name")).ToHaveValueAsync("etudiant");
    }

    [Fact]
    public async Task Submit_DirectoryUnreachable_SaysTheDirectoryIsDown()
    {
        // A real LDAP configuration whose server does not answer (nothing listens on port 9): the
        // daemon answers 503, as when slapd is down, without stopping the rig's slapd for other tests.
        using var factory = new WebUiFactory(realRig: false, new Dictionary<string, string?>
        {
            ["Ldap:Enabled"] = "true",
            ["Ldap:Host"] = "127.0.0.1",
            ["Ldap:Port"] = "9",
            ["Ldap:Security"] = "None",
            ["Ldap:BindDn"] = "cn=vm-manager,dc=school,dc=test",
            ["Ldap:BindPassword"] = "unused",
            ["Ldap:ConnectTimeoutSeconds"] = "2",
            ["Ldap:UserBaseDn"] = "ou=people,dc=school,dc=test",
            ["Ldap:GroupBaseDn"] = "ou=groups,dc=school,dc=test",
        });
        var page = await browser.OpenAsync(factory);
        await page.GotoAsync("/");

        await page.Locator("#userName").FillAsync("alice");
        await page.Locator("#password").FillAsync("Alice-Pw1");
        await page.Locator("#login-form button[type=submit]").ClickAsync();

        await Expect(page.Locator("#login-error")).ToHaveTextAsync("L'annuaire de l'établissement est injoignable. Réessayez dans quelques minutes.");
        await Expect(page.Locator("#userName")).ToHaveValueAsync("alice");
    }

    [Fact]
    public async Task Submit_Throttled_SaysTooManyAttemptsWithTheWait()
    {
        // The throttle comes with the accounts branch; its answer (429, retryAfterSeconds) is played here.
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await page.RouteAsync("**/api/session", route => route.Request.Method == "POST"
            ? route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 429,
                ContentType = "application/problem+json",
                Headers = new Dictionary<string, string> { ["Retry-After"] = "42" },
                Body = """{"title":"Too many failed logins","status":429,"type":"login-throttled","retryAfterSeconds":42}""",
            })
            : route.ContinueAsync());
        await page.GotoAsync("/");

        await page.Locator("#userName").FillAsync("etudiant");
        await page.Locator("#password").FillAsync("guess-7");
        await page.Locator("#login-form button[type=submit]").ClickAsync();

        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Trop de tentatives. Patientez 42 s avant de réessayer.");
        await Expect(page.Locator("#password")).ToHaveValueAsync("guess-7");
    }

    [Fact]
    public async Task Login_ThenLogout_ShowsMyVmsThenTheFormAgain()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);

        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);

        await Expect(page.Locator("#view h1")).ToHaveTextAsync("Mes machines virtuelles");
        await Expect(page.Locator("#view h1")).ToBeFocusedAsync();
        await Expect(page.Locator("#user-name")).ToContainTextAsync("Élève");
        Assert.EndsWith("#/vms", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se déconnecter" }).ClickAsync();
        await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#view")).ToBeHiddenAsync();
        Assert.Empty(browser.PageErrors[page]);
    }
}
