using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hypervisor;

public sealed class HypervisorOptions
{
    public const string Section = "Hypervisor";

    public string LibvirtUri { get; set; } = "qemu:///system";

    public string VirshPath { get; set; } = "virsh";

    public string VagrantPath { get; set; } = "vagrant";

    /// <summary>Vagrant's own state (boxes, plugins); empty keeps Vagrant's default (~/.vagrant.d).</summary>
    public string? VagrantHome { get; set; }

    /// <summary>The libvirt storage pool the VM disks go to; it must be active for volumes to be removable.</summary>
    public string StoragePool { get; set; } = "default";

    /// <summary>vagrant-libvirt's management network, created by the admin and kept across destroys.</summary>
    public string ManagementNetwork { get; set; } = "vagrant-libvirt";

    public int VirshTimeoutSeconds { get; set; } = 60;
}

public sealed class HypervisorOptionsValidator : IValidateOptions<HypervisorOptions>
{
    public ValidateOptionsResult Validate(string? name, HypervisorOptions options)
    {
        if (!Uri.TryCreate(options.LibvirtUri, UriKind.Absolute, out _))
        {
            return ValidateOptionsResult.Fail($"Hypervisor:LibvirtUri: '{options.LibvirtUri}' is not a libvirt URI such as qemu:///system");
        }
        if (!HypervisorNames.IsSafe(options.StoragePool))
        {
            return ValidateOptionsResult.Fail($"Hypervisor:StoragePool: '{options.StoragePool}' is not a valid pool name");
        }
        if (!HypervisorNames.IsSafe(options.ManagementNetwork))
        {
            return ValidateOptionsResult.Fail($"Hypervisor:ManagementNetwork: '{options.ManagementNetwork}' is not a valid network name");
        }
        return options.VirshTimeoutSeconds is < 1 or > 3600
            ? ValidateOptionsResult.Fail("Hypervisor:VirshTimeoutSeconds: must be between 1 and 3600")
            : ValidateOptionsResult.Success;
    }
}
