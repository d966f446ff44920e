using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Accounts;

public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>Sliding: activity within this time extends the session (recorded at most once a minute).</summary>
    public int SessionMinutes { get; set; } = 60;

    /// <summary>However active, a session ends this long after its login.</summary>
    public int MaxSessionHours { get; set; } = 12;

    /// <summary>Seeds etudiant / enseignant / admin local accounts: for the demo only.</summary>
    public bool DemoAccounts { get; set; }

    /// <summary>Teachers see every VM, as admins do; off (the default), the students of the classes they teach (Classes).</summary>
    public bool TeachersSeeAllStudents { get; set; }

    /// <summary>Failed logins allowed per account within <see cref="FailedLoginWindowSeconds"/>; the next attempt gets 429.</summary>
    public int MaxFailedLoginsPerAccount { get; set; } = 5;

    /// <summary>Higher than per account: a classroom usually reaches us through one NAT address.</summary>
    public int MaxFailedLoginsPerAddress { get; set; } = 30;

    public int FailedLoginWindowSeconds { get; set; } = 60;

    /// <summary>
    /// Reaching a limit blocks that account and address (or that address) for the window, then twice as long at
    /// each new block, up to this; it is forgotten after this long without a failure.
    /// </summary>
    public int MaxFailedLoginDelaySeconds { get; set; } = 900;
}

public sealed class AccountsOptionsValidator : IValidateOptions<AccountsOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        string? problem = options switch
        {
            { SessionMinutes: < 1 or > 43200 } => "Accounts:SessionMinutes: must be between 1 and 43200 (30 days)",
            { MaxSessionHours: < 1 or > 8760 } => "Accounts:MaxSessionHours: must be between 1 and 8760 (a year)",
            { MaxFailedLoginsPerAccount: < 1 or > 1000 } => "Accounts:MaxFailedLoginsPerAccount: must be between 1 and 1000",
            { MaxFailedLoginsPerAddress: < 1 or > 100000 } => "Accounts:MaxFailedLoginsPerAddress: must be between 1 and 100000",
            { FailedLoginWindowSeconds: < 1 or > 86400 } => "Accounts:FailedLoginWindowSeconds: must be between 1 and 86400",
            { MaxFailedLoginDelaySeconds: < 1 or > 86400 } => "Accounts:MaxFailedLoginDelaySeconds: must be between 1 and 86400",
            _ when options.MaxFailedLoginsPerAddress < options.MaxFailedLoginsPerAccount =>
                "Accounts:MaxFailedLoginsPerAddress: must be at least Accounts:MaxFailedLoginsPerAccount (many users share an address)",
            _ => null,
        };
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
