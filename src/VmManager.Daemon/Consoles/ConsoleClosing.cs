using VmManager.Daemon.Accounts;
using VmManager.Daemon.Classes;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Consoles;

/// <summary>
/// Ends console sessions that lost their reason to exist: the VM stopped, was deleted or its lease
/// ended (every such change is a MachineChanged event), or the user logged out.
/// </summary>
public sealed class ConsoleClosing(
    MachineEvents events, SessionRevocations revocations, ConsoleSessions sessions, ClassStore classes, Visibility visibility,
    IConsoleTargets targets)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        revocations.Revoked += CloseUser;
        classes.Changed += CloseUnseen;
        try
        {
            await foreach (var change in events.SubscribeAsync(stoppingToken))
            {
                if (!MachineStates.MayShowScreen(change.State))
                {
                    sessions.CloseVm(change.MachineId, $"the VM is {change.State}");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            revocations.Revoked -= CloseUser;
            classes.Changed -= CloseUnseen;
        }
    }

    private void CloseUser(string userName) => sessions.CloseUser(userName, "logged out");

    /// <summary>
    /// Memberships changed: a teacher watching a student who left their class loses the screen. Only view-only
    /// consoles are a teacher's on someone else's VM (owners and admins keep theirs).
    /// </summary>
    private void CloseUnseen()
    {
        foreach (var session in sessions.Snapshot().Where(session => session.ViewOnly))
        {
            var owner = targets.FindOwnerAsync(session.VmId, CancellationToken.None).GetAwaiter().GetResult();
            if (owner is null || !visibility.SightOf(session.UserName, Role.Teacher).Sees(owner))
            {
                session.RequestClose("the VM's owner is no longer in a class you teach");
            }
        }
    }
}
