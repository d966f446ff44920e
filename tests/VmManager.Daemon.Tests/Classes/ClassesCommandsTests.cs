using System.Net;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>vm-manager classes …: the built binary on a data folder, then the API of a daemon on the same folder.</summary>
public sealed class ClassesCommandsTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _config;

    public ClassesCommandsTests()
    {
        _config = Path.Combine(_data.Path, "vm-manager.json");
        File.WriteAllText(_config, $$"""{ "Server": { "Url": "http://127.0.0.1:0" }, "Storage": { "DataDirectory": "{{_data.Path}}" } }""");
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task AddMembersTeachers_ThenTheApi_TheTeacherSeesOnlyThatClassesStudents()
    {
        Assert.Equal((0, "", "class net-2b created"), await CliAsync("classes", "add", "net-2b", "--display-name", "Réseaux 2B"));
        Assert.Equal((0, "", "lea,noa"), await CliAsync("classes", "members", "net-2b", "--add", "lea,noa"));
        Assert.Equal((0, "", "noa"), await CliAsync("classes", "members", "net-2b", "--remove", "lea"));
        Assert.Equal((0, "", "prof"), await CliAsync("classes", "teachers", "net-2b", "--add", "prof"));
        Assert.Equal((0, "", "net-2b\tRéseaux 2B\tlocal\tstudents: noa\tteachers: prof"), await CliAsync("classes", "list"));

        // With libvirt up, the reconciler would mark the inserted running VMs (which have no domain) gone.
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:VirshPath"] = "/bin/false" }, data: _data);
        var accounts = factory.Services.GetRequiredService<LocalAccountStore>();
        accounts.Create("prof", "Prof", null, Role.Teacher, "Prof-Password1");
        var store = factory.Services.GetRequiredService<MachineStore>();
        var noas = MachineStoreTests.Insert(store, "noa", "web");
        var leas = MachineStoreTests.Insert(store, "lea", "web");
        var prof = await factory.LoginAsync("prof", "Prof-Password1");

        Assert.Equal(HttpStatusCode.OK, (await prof.GetAsync($"/api/vms/{noas.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await prof.GetAsync($"/api/vms/{leas.Id}")).StatusCode);
    }

    [Fact]
    public async Task Remove_UnknownOrBadId_OneLineAndNonZeroExit()
    {
        var (exitCode, error, _) = await CliAsync("classes", "remove", "nope");
        Assert.Equal(1, exitCode);
        Assert.Equal("vm-manager classes remove: there is no local class 'nope' (directory classes change in the directory)", error);

        (exitCode, error, _) = await CliAsync("classes", "add", "../x");
        Assert.Equal(64, exitCode);
        Assert.StartsWith("vm-manager classes add: ID must be", error);
    }

    private Task<(int ExitCode, string Error, string Output)> CliAsync(params string[] arguments) =>
        DaemonProcess.RunToExitAsync([.. arguments, "--config", _config]);
}
