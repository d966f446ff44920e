using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Tests.Hypervisor;

/// <summary>Lines as vagrant-libvirt 0.11 (Debian 12) prints them during `vagrant up --no-color`.</summary>
public sealed class VagrantOutputTests
{
    [Theory]
    [InlineData("==> default: Creating image (snapshot of base box volume).", "Creating image (snapshot of base box volume).")]
    [InlineData("==> default: Starting domain.   ", "Starting domain.")]
    [InlineData("    default: SSH address: 192.168.121.12:22", null)]
    [InlineData("Bringing machine 'default' up with 'libvirt' provider...", null)]
    public void StepOf_OutputLine_ReturnsTheAnnouncedStepOrNull(string line, string? step)
    {
        Assert.Equal(step, Vagrant.StepOf(line));
    }

    [Theory]
    [InlineData("Domain launching with graphics connection settings...", true)]
    [InlineData("Waiting for domain to get an IP address...", true)]
    [InlineData("Starting domain.", false)]
    [InlineData("Machine booted and ready!", false)]
    public void MeansDomainStarted_Step_TrueOnlyOnceTheDomainRuns(string step, bool started)
    {
        Assert.Equal(started, Vagrant.MeansDomainStarted(step));
    }

    [Theory]
    [InlineData("Creating domain with the following settings...", null)]
    [InlineData(" -- Graphics Password: Not defined", null)]
    [InlineData("Starting domain.", VagrantPhase.StartingDomain)]
    [InlineData("Waiting for domain to get an IP address...", VagrantPhase.WaitingForNetwork)]
    [InlineData("Waiting for machine to boot. This may take a few minutes...", VagrantPhase.WaitingForNetwork)]
    [InlineData("Running provisioner: shell...", VagrantPhase.Provisioning)]
    public void PhaseOf_Step_OpensAPhaseOnlyOnItsFirstLine(string step, VagrantPhase? phase)
    {
        Assert.Equal(phase, Vagrant.PhaseOf(step));
    }
}
