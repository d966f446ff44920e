using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>
/// The steps a job's owner sees, as codes the UI translates (the job's <c>step</c>): a create goes
/// preparing → starting → network → password → ready. Vagrant's own lines stay in the operations log.
/// </summary>
public static class JobSteps
{
    public const string CleaningUp = "cleaningUp";
    public const string Preparing = "preparing";
    public const string Starting = "starting";
    public const string Network = "network";
    public const string Password = "password";
    public const string Ready = "ready";
    public const string Stopping = "stopping";
    public const string ForcingOff = "forcingOff";
    public const string Rebooting = "rebooting";
    public const string Removing = "removing";

    private static readonly string[] CreationOrder = [Preparing, Starting, Network, Password, Ready];

    /// <summary>The step a vagrant progress line moves a create to, or null when it starts no new one.</summary>
    public static string? OfVagrant(string vagrantStep) => Vagrant.PhaseOf(vagrantStep) switch
    {
        VagrantPhase.StartingDomain => Starting,
        VagrantPhase.WaitingForNetwork => Network,
        VagrantPhase.Provisioning => Password,
        _ => null,
    };

    /// <summary>Vagrant's lines only move a create forward: a late "waiting" line never brings back an earlier step.</summary>
    public static bool IsAfter(string next, string? current) => Array.IndexOf(CreationOrder, next) > Array.IndexOf(CreationOrder, current);
}
