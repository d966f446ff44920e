using VmManager.Daemon.Accounts;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Consoles;

/// <summary>
/// Ends console sessions that lost their reason to exist: the VM stopped, was deleted or its lease
/// ended (every such change is a MachineChanged event), or the user logged out.
/// </summary>
public sealed class ConsoleClosing(MachineEvents events, SessionRevocations revocations, ConsoleSessions sessions)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        revocations.Revoked += CloseUser;
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
        }
    }

    private void CloseUser(string userName) => sessions.CloseUser(userName, "logged out");
}
