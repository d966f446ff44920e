using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;

namespace VmManager.Daemon.Machines;

/// <summary>The operation failed; the VM is left in <see cref="State"/> with the reason shown to its owner.</summary>
public sealed class JobFailedException(string reason, string state) : Exception(reason)
{
    public string State { get; } = state;
}

/// <summary>What each job kind does on the hypervisor. Returns the VM's state afterwards.</summary>
public sealed class MachineOperations(
    Vagrant vagrant,
    Virsh virsh,
    CredentialVault vault,
    DomainNaming naming,
    IOptions<MachinesOptions> machinesOptions,
    IOptions<HypervisorOptions> hypervisorOptions,
    TimeProvider time)
{
    private MachinesOptions Options => machinesOptions.Value;

    private TimeSpan OperationTimeout => TimeSpan.FromSeconds(Options.OperationTimeoutSeconds);

    public Task<string> RunAsync(Job job, Machine machine, JobProgress progress, CancellationToken cancellationToken) => job.Kind switch
    {
        JobKinds.Create => CreateAsync(job, machine, progress, cancellationToken),
        JobKinds.Start => StartAsync(machine, progress, cancellationToken),
        JobKinds.Stop => StopAsync(machine, progress, cancellationToken),
        JobKinds.ForceOff => ForceOffAsync(machine, progress, cancellationToken),
        JobKinds.Reboot => RebootAsync(machine, progress, cancellationToken),
        JobKinds.Delete => DeleteAsync(machine, progress, cancellationToken),
        _ => throw new JobFailedException($"unknown operation '{job.Kind}'", machine.State),
    };

    private async Task<string> CreateAsync(Job job, Machine machine, JobProgress progress, CancellationToken cancellationToken)
    {
        if (job.Attempt > 1)
        {
            progress.Step(JobSteps.CleaningUp, "cleaning up what the interrupted attempt left");
            await RemoveEverythingAsync(machine, progress, cancellationToken);
        }
        var template = Options.Templates.FirstOrDefault(t => t.Id == machine.TemplateId)
            ?? throw new JobFailedException($"template '{machine.TemplateId}' is no longer in the catalogue", MachineStates.Failed);
        progress.Step(JobSteps.Preparing, "writing the Vagrantfile");
        Directory.CreateDirectory(machine.Folder);
        var spec = new VagrantfileSpec(template, naming.DomainPrefixFor(machine.Id), machine.Cpus, machine.MemoryMib, machine.DiskGib, machine.Owner);
        await File.WriteAllTextAsync(Path.Combine(machine.Folder, "Vagrantfile"), VagrantfileRenderer.Render(spec, hypervisorOptions.Value), cancellationToken);

        progress.Step(JobSteps.Preparing, "vagrant up");
        string? failure;
        try
        {
            var vncPassword = machine.VncPasswordProtected is { } vnc ? vault.Unprotect(vnc) : null;
            var result = await vagrant.UpAsync(machine.Folder, vault.Unprotect(machine.PasswordProtected), vncPassword,
                TimeSpan.FromSeconds(Options.CreateTimeoutSeconds), progress.Line, cancellationToken);
            failure = result.Succeeded ? null : $"vagrant up failed: {result.ErrorSummary}";
        }
        catch (CommandTimeoutException ex)
        {
            failure = ex.Message;
        }
        if (failure is null && await virsh.StateAsync(machine.DomainName, cancellationToken) != DomainState.Running)
        {
            failure = $"vagrant up finished but domain {machine.DomainName} is not running";
        }
        if (failure is not null)
        {
            progress.Line(failure);
            progress.Step(JobSteps.CleaningUp, "removing the half-created VM");
            await RemoveEverythingAsync(machine, progress, cancellationToken);
            throw new JobFailedException(failure, MachineStates.Failed);
        }
        progress.Step(JobSteps.Ready, "the domain runs");
        return MachineStates.Running;
    }

    private async Task<string> StartAsync(Machine machine, JobProgress progress, CancellationToken cancellationToken)
    {
        progress.Step(JobSteps.Starting, "starting");
        if (await RequireDomainAsync(machine, cancellationToken) != DomainState.Running)
        {
            await Virsh(() => virsh.StartAsync(machine.DomainName, cancellationToken), machine.State);
        }
        return MachineStates.Running;
    }

    /// <summary>ACPI first; a guest that ignores it (Windows at the login screen, a hung kernel) is forced off.</summary>
    private async Task<string> StopAsync(Machine machine, JobProgress progress, CancellationToken cancellationToken)
    {
        if (await RequireDomainAsync(machine, cancellationToken) is DomainState.ShutOff)
        {
            return MachineStates.Stopped;
        }
        progress.Step(JobSteps.Stopping, "asking the guest to shut down (ACPI)");
        await Virsh(() => virsh.ShutdownAsync(machine.DomainName, cancellationToken), machine.State);
        var deadline = time.GetUtcNow().AddSeconds(Options.GracefulStopTimeoutSeconds);
        while (time.GetUtcNow() < deadline)
        {
            if (await virsh.StateAsync(machine.DomainName, cancellationToken) is DomainState.ShutOff or DomainState.Missing)
            {
                return MachineStates.Stopped;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }
        progress.Step(JobSteps.ForcingOff, $"the guest did not shut down within {Options.GracefulStopTimeoutSeconds} s: forcing it off");
        await Virsh(() => virsh.DestroyAsync(machine.DomainName, cancellationToken), machine.State);
        return MachineStates.Stopped;
    }

    private async Task<string> ForceOffAsync(Machine machine, JobProgress progress, CancellationToken cancellationToken)
    {
        progress.Step(JobSteps.ForcingOff, "forcing the VM off");
        await RequireDomainAsync(machine, cancellationToken);
        await Virsh(() => virsh.DestroyAsync(machine.DomainName, cancellationToken), machine.State);
        return MachineStates.Stopped;
    }

    private async Task<string> RebootAsync(Machine machine, JobProgress progress, CancellationToken cancellationToken)
    {
        if (await RequireDomainAsync(machine, cancellationToken) != DomainState.Running)
        {
            throw new JobFailedException("the VM is not running", MachineStates.Stopped);
        }
        progress.Step(JobSteps.Rebooting, "rebooting");
        await Virsh(() => virsh.RebootAsync(machine.DomainName, cancellationToken), machine.State);
        return MachineStates.Running;
    }

    private async Task<string> DeleteAsync(Machine machine, JobProgress progress, CancellationToken cancellationToken)
    {
        await RemoveEverythingAsync(machine, progress, cancellationToken);
        return MachineStates.Deleted;
    }

    /// <summary>
    /// vagrant destroy, then proves with virsh that the domain and its volumes are gone and removes
    /// whatever is left itself; finally the folder. Safe to repeat.
    /// </summary>
    public async Task RemoveEverythingAsync(Machine machine, JobProgress? progress, CancellationToken cancellationToken)
    {
        if (Directory.Exists(Path.Combine(machine.Folder, ".vagrant")))
        {
            progress?.Step(JobSteps.Removing, "vagrant destroy");
            try
            {
                var result = await vagrant.DestroyAsync(machine.Folder, OperationTimeout, progress is null ? null : progress.Line, cancellationToken);
                if (!result.Succeeded)
                {
                    progress?.Line($"vagrant destroy failed ({result.LastLine}); removing with virsh");
                }
            }
            catch (CommandTimeoutException ex)
            {
                progress?.Line($"{ex.Message}; removing with virsh");
            }
        }
        progress?.Step(JobSteps.Removing, "checking that the domain and its disks are gone");
        if (await virsh.StateAsync(machine.DomainName, cancellationToken) != DomainState.Missing)
        {
            await virsh.DestroyAsync(machine.DomainName, cancellationToken);
            await virsh.UndefineWithStorageAsync(machine.DomainName, cancellationToken);
        }
        foreach (var volume in (await virsh.VolumesAsync(cancellationToken)).Where(v => naming.MachineIdOf(v) == machine.Id))
        {
            await virsh.DeleteVolumeAsync(volume, cancellationToken);
        }
        if (Directory.Exists(machine.Folder))
        {
            Directory.Delete(machine.Folder, recursive: true);
        }
    }

    private async Task<DomainState> RequireDomainAsync(Machine machine, CancellationToken cancellationToken)
    {
        var state = await virsh.StateAsync(machine.DomainName, cancellationToken);
        return state == DomainState.Missing
            ? throw new JobFailedException("the VM's domain no longer exists on the host", MachineStates.Gone)
            : state;
    }

    private static async Task Virsh(Func<Task> action, string stateOnFailure)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is VirshException or CommandTimeoutException)
        {
            throw new JobFailedException(ex.Message, stateOnFailure);
        }
    }
}
