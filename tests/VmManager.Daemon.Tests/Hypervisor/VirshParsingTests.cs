using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Tests.Hypervisor;

public sealed class VirshParsingTests
{
    [Theory]
    [InlineData("vnc://127.0.0.1:0\n", 5900)]
    [InlineData("vnc://127.0.0.1:17", 5917)]
    [InlineData("", null)]
    [InlineData("garbage", null)]
    public void ParseVncPort_DomdisplayOutput_GivesTcpPort(string output, int? expected) =>
        Assert.Equal(expected, Virsh.ParseVncPort(output));

    [Fact]
    public void ParseDomainStats_TwoDomains_ReadsStateCpuAndMemory()
    {
        const string output = """
            Domain: 'alice_vm1_default'
              state.state=1
              state.reason=1
              cpu.time=2500000000
              balloon.current=131072

            Domain: 'bob_vm1_default'
              state.state=5
              state.reason=2

            """;

        var domains = Virsh.ParseDomainStats(output);

        Assert.Equal(2, domains.Count);
        Assert.Equal(new DomainStats("alice_vm1_default", DomainState.Running, TimeSpan.FromSeconds(2.5), 131072), domains[0]);
        Assert.Equal(DomainState.ShutOff, domains[1].State);
    }

    [Theory]
    [InlineData("alice_vm1_default", true)]
    [InlineData("-rf", false)]
    [InlineData("../x", false)]
    [InlineData("a b", false)]
    [InlineData("a;b", false)]
    [InlineData("", false)]
    [InlineData("name\n", false)]
    public void IsSafe_Names_AcceptsOnlyPlainNames(string name, bool safe) => Assert.Equal(safe, HypervisorNames.IsSafe(name));

    [Fact]
    public void ParseVolumeNames_VolListTable_GivesFirstColumn()
    {
        const string output = """
             Name                     Path
            -------------------------------------------------------
             vmm-base.qcow2           /var/tmp/vmm-rig/pool/vmm-base.qcow2
             vmm_abcdefghij_default.img   /var/tmp/vmm-rig/pool/vmm_abcdefghij_default.img

            """;

        Assert.Equal(["vmm-base.qcow2", "vmm_abcdefghij_default.img"], Virsh.ParseVolumeNames(output));
    }
}
