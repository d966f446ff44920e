using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Accounts;

public static class AccountsExtensions
{
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccountsOptions>().BindConfiguration(AccountsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountsOptions>, AccountsOptionsValidator>();
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QuotaOptions>, QuotaOptionsValidator>();
        services.AddOptions<LdapOptions>().BindConfiguration(LdapOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LdapOptions>, LdapOptionsValidator>();
        services.AddSingleton<LdapDirectory>();
        services.AddSingleton<LocalAccountStore>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<LoginThrottle>();
        services.AddInstruments<AccountMetrics>();
        services.AddSingleton<SessionRevocations>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<QuotaService>();
        services.AddHostedService<DemoAccounts>();
        services.AddHealthChecks().AddCheck<LdapHealthCheck>("ldap", tags: ["ready"]);

        services.AddScoped<SessionCookieEvents>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccountsOptions>, TimeProvider>((cookie, accounts, time) =>
            {
                cookie.Cookie.Name = "vmm_session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                // Secure whenever the browser used HTTPS, including through nginx (X-Forwarded-Proto from a known proxy).
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(accounts.Value.SessionMinutes);
                // The sessions table decides; the cookie is reissued whenever that expiry slides (SessionCookieEvents).
                cookie.SlidingExpiration = false;
                cookie.TimeProvider = time;
                cookie.EventsType = typeof(SessionCookieEvents);
            });
        services.AddAuthorizationBuilder().AddRolePolicies();
        services.AddApiAntiforgery();
        return builder;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapSessions().MapAudit().MapQuotas();
}
