using System.Net.WebSockets;
using VmManager.Daemon.Machines;
using static VmManager.Daemon.Tests.Consoles.ConsoleTestHost;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>Which VM changes end its open consoles.</summary>
public sealed class ConsoleClosingTests
{
    [Fact]
    public async Task VmChanges_CreateStepsThenStopped_OnlyTheStopClosesTheConsole()
    {
        using var host = new ConsoleTestHost();
        using var vnc = new FakeVncServer();
        vnc.Serve(FakeVncServer.GreetAndEchoAsync);
        host.Targets.Run("vm-booting", Student, vnc.Port);
        using var student = await host.LoginAsync(Student);
        using var socket = await host.OpenConsoleAsync(student, "vm-booting");
        var events = host.Service<MachineEvents>();

        // A console opened while the VM is created (it shows the boot) survives the create's steps and its end.
        events.Publish(new MachineChanged("vm-booting", Student, MachineStates.Creating, "Waiting for domain to get an IP address...", 1));
        events.Publish(new MachineChanged("vm-booting", Student, MachineStates.Running, null, 1));
        events.Publish(new MachineChanged("vm-booting", Student, MachineStates.Stopped, null, 2));
        var buffer = new byte[64];
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        while (received.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        Assert.Equal("the VM is stopped", socket.CloseStatusDescription);
    }
}
