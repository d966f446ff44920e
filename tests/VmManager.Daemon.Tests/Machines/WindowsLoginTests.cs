using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>The login a Windows VM's owner is shown is the account its provisioner creates.</summary>
public sealed class WindowsLoginTests
{
    [Fact]
    public async Task Credentials_WindowsVmOfALongUserName_ShowTheShortenedAccountTheGuestHas()
    {
        using var tools = new TempDirectory();
        using var factory = new VmManagerFactory(new Dictionary<string, string?>
        {
            ["Hypervisor:VagrantPath"] = MachineFaultTests.FakeVagrant(tools, "sleep 20"),
            ["Machines:Templates:0:Os"] = "Windows",
        });
        const string userName = "marie-christine.delaunay";
        factory.Services.GetRequiredService<LocalAccountStore>().Create(userName, "Marie-Christine", null, Role.Student, "Marie-Password1");
        var client = await factory.LoginAsync(userName, "Marie-Password1");

        var accepted = await MachineApi.CreateAsync(client, "bureau");
        var credentials = await client.GetFromJsonAsync<Credentials>($"/api/vms/{accepted.Machine.Id}/credentials", MachineApi.Json);

        // Windows account names stop at 20 characters: the provisioner creates this one.
        Assert.Equal("marie-christine.dela", credentials!.UserName);
    }
}
