using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

/// <summary>Seeds the demo's local accounts into an empty database; their passwords are documented in README.md.</summary>
public sealed class DemoAccounts(IOptions<AccountsOptions> options, LocalAccountStore store, ILogger<DemoAccounts> logger) : IHostedLifecycleService
{
    public static readonly IReadOnlyList<(string UserName, string DisplayName, Role Role, string Password)> Seed =
    [
        ("etudiant", "Élève Démo", Role.Student, "Etudiant-Demo1"),
        ("enseignant", "Enseignant Démo", Role.Teacher, "Enseignant-Demo1"),
        ("admin", "Admin Démo", Role.Admin, "Admin-Demo1"),
    ];

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.DemoAccounts && store.IsEmpty())
        {
            foreach (var (userName, displayName, role, password) in Seed)
            {
                store.Create(userName, displayName, $"{userName}@demo.invalid", role, password);
            }
            logger.LogWarning("Demo accounts created: {Accounts} (passwords in README.md; turn Accounts:DemoAccounts off in production)",
                string.Join(", ", Seed.Select(account => account.UserName)));
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
