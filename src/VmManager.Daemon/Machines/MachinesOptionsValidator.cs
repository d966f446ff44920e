using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hypervisor;
using VmManager.Daemon.Storage;

namespace VmManager.Daemon.Machines;

/// <summary>Checks the catalogue at start: its values end up in Vagrantfiles, guest scripts and libvirt names.</summary>
public sealed partial class MachinesOptionsValidator : IValidateOptions<MachinesOptions>
{
    public ValidateOptionsResult Validate(string? name, MachinesOptions options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static IEnumerable<string> Problems(MachinesOptions options)
    {
        const string Section = MachinesOptions.Section;
        if (string.IsNullOrWhiteSpace(options.VmRoot))
        {
            yield return $"{Section}:VmRoot: is required";
        }
        else if (StorageOptionsValidator.WritableDirectoryProblem(options.VmRoot) is { } problem)
        {
            yield return $"{Section}:VmRoot: '{Path.GetFullPath(options.VmRoot)}' {problem}";
        }
        if (!NamePrefix().IsMatch(options.NamePrefix))
        {
            yield return $"{Section}:NamePrefix: '{options.NamePrefix}' must be a lower-case letter followed by up to 15 lower-case letters or digits";
        }
        if (options.MaxConcurrentOperations is < 1 or > 16)
        {
            yield return $"{Section}:MaxConcurrentOperations: must be between 1 and 16";
        }
        foreach (var (key, seconds) in new[]
                 {
                     (nameof(options.CreateTimeoutSeconds), options.CreateTimeoutSeconds),
                     (nameof(options.OperationTimeoutSeconds), options.OperationTimeoutSeconds),
                     (nameof(options.GracefulStopTimeoutSeconds), options.GracefulStopTimeoutSeconds),
                     (nameof(options.StateRefreshSeconds), options.StateRefreshSeconds),
                     (nameof(options.ReconcileIntervalSeconds), options.ReconcileIntervalSeconds),
                 })
        {
            if (seconds < 1)
            {
                yield return $"{Section}:{key}: must be greater than 0";
            }
        }

        var firstIndexOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < options.Templates.Count; index++)
        {
            var template = options.Templates[index];
            var prefix = $"{Section}:Templates:{index}:";
            if (!TemplateId().IsMatch(template.Id))
            {
                yield return $"{prefix}Id: '{template.Id}' must be 1 to 32 of a-z, 0-9 and '-', starting with a letter or digit";
            }
            else if (!firstIndexOfId.TryAdd(template.Id, index))
            {
                yield return $"{prefix}Id: '{template.Id}' is already the id of {Section}:Templates:{firstIndexOfId[template.Id]}";
            }
            foreach (var problem in TemplateProblems(template))
            {
                yield return prefix + problem;
            }
        }
    }

    private static IEnumerable<string> TemplateProblems(MachineTemplate template)
    {
        if (string.IsNullOrEmpty(template.Box))
        {
            yield return "Box: is required (a box added on the host with vagrant box add)";
        }
        else if (!BoxName().IsMatch(template.Box))
        {
            yield return $"Box: '{template.Box}' is not a box name such as debian/bookworm64";
        }
        if (template.BoxVersion is { Length: > 0 } version && !BoxVersion().IsMatch(version))
        {
            yield return $"BoxVersion: '{version}' is not a box version such as 12.20240503.1";
        }
        foreach (var (key, range) in new[] { ("Cpus", template.Cpus), ("MemoryMiB", template.MemoryMiB), ("DiskGiB", template.DiskGiB) })
        {
            if (range.Min < 1)
            {
                yield return $"{key}:Min: must be at least 1";
            }
            else if (range.Default < range.Min || range.Default > range.Max)
            {
                yield return $"{key}: needs Min <= Default <= Max (got {range.Min} <= {range.Default} <= {range.Max})";
            }
        }
        if (template.LifetimeHours is not { Length: > 0 })
        {
            yield return "LifetimeHours: needs at least one value (the first is the default)";
        }
        else if (template.LifetimeHours.Any(hours => hours < 1))
        {
            yield return "LifetimeHours: every value must be greater than 0";
        }
        if (template.Driver is not ("kvm" or "qemu"))
        {
            yield return $"Driver: '{template.Driver}' must be \"kvm\" or \"qemu\" (software emulation where KVM is unavailable)";
        }
        if (!Keymap().IsMatch(template.Keymap))
        {
            yield return $"Keymap: '{template.Keymap}' is not a VNC keymap such as fr, fr-be or en-us";
        }
        else if (template.Os == OsFamily.Windows && !VagrantfileRenderer.WindowsKeymaps.Contains(template.Keymap))
        {
            yield return $"Keymap: '{template.Keymap}' has no Windows keyboard layout (one of {string.Join(", ", VagrantfileRenderer.WindowsKeymaps)})";
        }
        if (!LoginUser().IsMatch(template.LoginUser))
        {
            yield return $"LoginUser: '{template.LoginUser}' is not a Linux user name (a-z, 0-9, '_', '-', at most 32)";
        }
    }

    // \z, not $: .NET's $ also matches before a final "\n".
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}\\z")]
    private static partial Regex TemplateId();

    // HypervisorNames' alphabet, with one '/' between the organisation and the box.
    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?\\z")]
    private static partial Regex BoxName();

    [GeneratedRegex("^[0-9][0-9A-Za-z._+-]{0,63}\\z")]
    private static partial Regex BoxVersion();

    [GeneratedRegex("^[a-z]{2}(-[a-z]{2})?\\z")]
    private static partial Regex Keymap();

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}\\z")]
    private static partial Regex LoginUser();

    [GeneratedRegex(@"^[a-z][a-z0-9]{0,15}\z")]
    private static partial Regex NamePrefix();
}
