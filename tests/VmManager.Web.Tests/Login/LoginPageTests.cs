using System.Text.RegularExpressions;
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
    public async Task Submit_SixthWrongPassword_SaysTooManyAttemptsWithTheWait()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await page.GotoAsync("/");

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitAsync(page, "etudiant", "guess-" + attempt);
        }
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Identifiant ou mot de passe incorrect.");
        await SubmitAsync(page, "etudiant", "guess-6");

        await Expect(page.Locator("#login-error")).ToHaveTextAsync(new Regex(@"^Trop de tentatives\. Patientez \d+ s avant de réessayer\.$"));
        await Expect(page.Locator("#password")).ToHaveValueAsync("guess-6");
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

    [Fact]
    public async Task Logout_SendsTheAntiforgeryTokenAndEndsTheSessionOnTheServer()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
        await Expect(page.Locator("#user-name")).ToHaveTextAsync("Élève Démo · Élève");

        var logout = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Se déconnecter" }).ClickAsync(),
            response => response.Request.Method == "DELETE" && response.Url.EndsWith("/api/session", StringComparison.Ordinal));

        Assert.Equal(204, logout.Status);
        Assert.False(string.IsNullOrEmpty(await logout.Request.HeaderValueAsync("x-csrf-token")));
        await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
        Assert.Equal(401, await page.EvaluateAsync<int>("async () => (await fetch('/api/session')).status"));
    }

    [Fact]
    public async Task Logout_AfterLoggingInAgainInAnotherTab_FetchesAFreshTokenAndSucceeds()
    {
        using var factory = new WebUiFactory(realRig: false);
        var page = await browser.OpenAsync(factory);
        await UiSession.LoginAsync(page, "etudiant", WebUiFactory.StudentPassword);
        // Any state-changing call makes the page fetch and keep a token for this session (here a refused one).
        Assert.Equal(403, await page.EvaluateAsync<int>(
            "async () => (await (await import('/js/api.js')).api('/api/admin/users/x/quota', { method: 'PUT', body: { maxVms: 1 } })).status"));
        var otherTab = await page.Context.NewPageAsync();
        await otherTab.GotoAsync("/");
        Assert.Equal(200, await otherTab.EvaluateAsync<int>(
            "async () => (await (await import('/js/api.js')).api('/api/session', { method: 'POST', body: { userName: 'etudiant', password: 'Etudiant-Demo1' }, antiforgery: false })).status"));
        var deletes = new List<int>();
        page.Response += (_, response) =>
        {
            if (response.Request.Method == "DELETE")
            {
                deletes.Add(response.Status);
            }
        };

        await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Se déconnecter" }).ClickAsync(),
            response => response.Request.Method == "DELETE" && response.Status == 204);

        Assert.Equal([400, 204], deletes);
        await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
    }

    private static Task SubmitAsync(IPage page, string userName, string password) => page.RunAndWaitForResponseAsync(async () =>
    {
        await page.Locator("#userName").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
    }, response => response.Request.Method == "POST" && response.Url.EndsWith("/api/session", StringComparison.Ordinal));
}
