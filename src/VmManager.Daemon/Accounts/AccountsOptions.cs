namespace VmManager.Daemon.Accounts;

public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>Sliding: each request within this time extends the session.</summary>
    public int SessionMinutes { get; set; } = 60;

    /// <summary>Seeds etudiant / enseignant / admin local accounts: for the demo only.</summary>
    public bool DemoAccounts { get; set; }
}
