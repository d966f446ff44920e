using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>
/// Several daemons share one libvirt (tests and benchmarks beside each other, a test instance beside
/// production): a domain named like ours is removed only by the instance that made it.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ReconcilerOwnershipTests(RigFixture rig)
{
    [Fact]
    public async Task RunOnce_OurNamePatternButNoRowOrFolder_LeavesDomainAndVolumeAndReportsThem()
    {
        _ = rig.Env;
        using var data = new TempDirectory();
        var id = MachineNames.NewId();
        await using var leftovers = await Leftovers.DefineAsync(data, id);
        using var factory = new VmManagerFactory();

        var report = await factory.Services.GetRequiredService<Reconciler>().RunOnceAsync(CancellationToken.None);

        Assert.Contains(leftovers.Domain, report.UnknownDomains);
        Assert.DoesNotContain(leftovers.Domain, report.RemovedDomains);
        Assert.DoesNotContain(leftovers.Volume, report.RemovedVolumes);
        Assert.Equal(DomainState.ShutOff, await RigHost.Virsh.StateAsync(leftovers.Domain));
        Assert.Contains(leftovers.Volume, await RigHost.Virsh.VolumesAsync());
    }

    [Fact]
    public async Task RunOnce_DomainOfOneOfOurDeletedVms_RemovesDomainAndVolume()
    {
        _ = rig.Env;
        using var data = new TempDirectory();
        var id = MachineNames.NewId();
        await using var leftovers = await Leftovers.DefineAsync(data, id);
        using var factory = new VmManagerFactory();
        var store = factory.Services.GetRequiredService<MachineStore>();
        store.InWriteTransaction((connection, transaction) =>
        {
            MachineStore.InsertMachine(connection, transaction, new Machine
            {
                Id = id,
                Owner = "etudiant",
                Name = "deleted-one",
                TemplateId = "tiny",
                Cpus = 1,
                MemoryMib = 128,
                DiskGib = 1,
                State = MachineStates.Deleted,
                DomainName = leftovers.Domain,
                Folder = Path.Combine(factory.VmRoot, "etudiant", id),
                LoginUser = "root",
                PasswordProtected = "-",
                CreatedAt = DateTimeOffset.UtcNow,
                ExpiresAt = DateTimeOffset.UtcNow.AddHours(2),
            });
            return 0;
        });

        // The pass the daemon ran at start may have removed them already: either pass will do.
        var report = await factory.Services.GetRequiredService<Reconciler>().RunOnceAsync(CancellationToken.None);

        Assert.DoesNotContain(leftovers.Domain, report.UnknownDomains);
        await RigHost.AssertNothingLeftAsync(id, Path.Combine(factory.VmRoot, "etudiant", id));
    }

    /// <summary>A shut-off diskless domain and a volume named as the daemon names a VM's, removed at the end whatever happened.</summary>
    private sealed class Leftovers : IAsyncDisposable
    {
        private Leftovers(string id)
        {
            Domain = MachineNames.DomainNameFor(id);
            Volume = Domain + ".img";
        }

        public string Domain { get; }

        public string Volume { get; }

        public static async Task<Leftovers> DefineAsync(TempDirectory data, string id)
        {
            var leftovers = new Leftovers(id);
            var xml = data.File("domain.xml");
            await File.WriteAllTextAsync(xml, $"""
                <domain type='qemu'>
                  <name>{leftovers.Domain}</name>
                  <memory unit='MiB'>32</memory>
                  <vcpu>1</vcpu>
                  <os><type arch='x86_64' machine='pc'>hvm</type></os>
                </domain>
                """);
            await RigHost.Virsh.DefineAsync(xml);
            var volume = await ExternalCommand.RunAsync("virsh", ["--connect", "qemu:///system", "vol-create-as", "vmm-rig", leftovers.Volume, "1M", "--format", "qcow2"]);
            Assert.True(volume.ExitCode == 0, volume.Error);
            return leftovers;
        }

        public async ValueTask DisposeAsync()
        {
            await RigHost.Virsh.UndefineWithStorageAsync(Domain);
            await RigHost.Virsh.DeleteVolumeAsync(Volume);
        }
    }
}
