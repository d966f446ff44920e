using System.Net.Mail;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Hosting.Cli;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Accounts;

/// <summary><c>vm-manager users …</c>: local accounts (the first admin, break-glass access, installs without LDAP).</summary>
public static class UsersCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("users add", "NAME", "create a local account; its password is read from stdin (typed twice on a terminal)",
        [
            new("--role", "student|teacher|admin", "what the account may do", Required: true),
            new("--display-name", "TEXT", "the name the UI shows (default: NAME)"),
            new("--email", "ADDRESS", "where answers to the account's requests go"),
        ], AddAsync),
        new("users passwd", "NAME", "set a local account's password, read from stdin (typed twice on a terminal)", [], PasswdAsync),
    ];

    private static Task<int> AddAsync(CliContext context)
    {
        var userName = context.Argument(0);
        if (LocalAccountRules.UserNameProblem(userName) is { } nameProblem)
        {
            throw CliException.Usage($"NAME {nameProblem}");
        }
        var roleName = context.Option("--role")!;
        var role = Enum.GetValues<Role>().Cast<Role?>().FirstOrDefault(candidate => candidate.ToString()!.Equals(roleName, StringComparison.OrdinalIgnoreCase))
            ?? throw CliException.Usage($"--role: '{roleName}' is not student, teacher or admin");
        var email = context.Option("--email");
        if (email is not null && (!MailAddress.TryCreate(email, out var address) || address.Address != email))
        {
            throw CliException.Usage($"--email: '{email}' is not an e-mail address");
        }
        var displayName = context.Option("--display-name") ?? userName;
        if (displayName.Trim().Length == 0 || displayName.Any(char.IsControl))
        {
            throw CliException.Usage("--display-name: must be a non-empty single line");
        }

        var store = Store(context);
        if (store.Exists(userName))
        {
            throw CliException.Failure($"'{userName}' already exists (vm-manager users passwd {userName} changes its password)");
        }
        var password = NewPassword(context, userName);
        store.Create(userName, displayName.Trim(), email, role, password);
        context.Output.WriteLine($"local account {userName} created ({role.ToString().ToLowerInvariant()})");
        return Task.FromResult(CliExit.Ok);
    }

    private static Task<int> PasswdAsync(CliContext context)
    {
        var userName = context.Argument(0);
        var store = Store(context);
        if (!store.Exists(userName))
        {
            throw CliException.Failure($"there is no local account '{userName}' (directory accounts change their password in the directory)");
        }
        var password = NewPassword(context, userName);
        if (!store.SetPassword(userName, password))
        {
            throw CliException.Failure($"'{userName}' disappeared meanwhile");
        }
        context.Output.WriteLine($"password of {userName} changed");
        return Task.FromResult(CliExit.Ok);
    }

    /// <summary>As the daemon at start: every option valid, the schema up to date (a first install may run this before the daemon).</summary>
    private static LocalAccountStore Store(CliContext context)
    {
        context.Services.ValidateOptions();
        context.Services.GetRequiredService<DatabaseMigrator>().Migrate();
        return context.Services.GetRequiredService<LocalAccountStore>();
    }

    private static string NewPassword(CliContext context, string userName)
    {
        var password = context.ReadSecret($"Password for {userName}: ", confirm: true);
        return LocalAccountRules.PasswordProblem(userName, password) is { } problem
            ? throw CliException.Usage($"the password {problem}")
            : password;
    }
}
