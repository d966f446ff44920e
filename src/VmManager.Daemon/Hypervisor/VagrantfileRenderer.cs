using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Hypervisor;

// LOCAL PLACEHOLDER (not committed): replaced by the renderer branch.
public sealed record VagrantfileSpec(MachineTemplate Template, string DomainPrefix, int Cpus, int MemoryMiB, int DiskGiB, string OwnerUserName);

public static class VagrantfileRenderer
{
    public static string Render(VagrantfileSpec spec, HypervisorOptions hypervisor) => $$"""
        Vagrant.configure("2") do |config|
          config.vm.box = "{{spec.Template.Box}}"
          config.vm.boot_timeout = 120
          config.vm.provider :libvirt do |lv|
            lv.uri = "{{hypervisor.LibvirtUri}}"
            lv.driver = "{{spec.Template.Driver}}"
            lv.memory = {{spec.MemoryMiB}}
            lv.cpus = {{spec.Cpus}}
            lv.graphics_type = "vnc"
            lv.graphics_ip = "127.0.0.1"
            lv.storage_pool_name = "{{hypervisor.StoragePool}}"
            lv.management_network_name = "{{hypervisor.ManagementNetwork}}"
            lv.management_network_keep = true
            lv.default_prefix = "{{spec.DomainPrefix}}"
          end
          config.vm.provision "shell", name: "set-password",
            inline: 'echo "{{spec.Template.LoginUser}}:$(echo "$VMM_PASSWORD_B64" | base64 -d)" | chpasswd',
            env: { "VMM_PASSWORD_B64" => ENV["VMM_PASSWORD_B64"] }
        end
        """;
}
