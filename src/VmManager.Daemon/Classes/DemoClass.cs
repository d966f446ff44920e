using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

/// <summary>With the demo accounts, a demo class holding the demo student and taught by the demo teacher.</summary>
public sealed class DemoClass(IOptions<AccountsOptions> options, ClassStore store) : IHostedLifecycleService
{
    public const string Id = "demo";

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Registered after DemoAccounts, which runs first; only into a database that has no class yet.
        if (options.Value.DemoAccounts && store.List().Count == 0 && store.AddLocal(Id, "Classe démo"))
        {
            store.EditLocal(Id, ClassParts.Student, DemoAccounts.Seed.Where(a => a.Role == Role.Student).Select(a => a.UserName), []);
            store.EditLocal(Id, ClassParts.Teacher, DemoAccounts.Seed.Where(a => a.Role == Role.Teacher).Select(a => a.UserName), []);
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
