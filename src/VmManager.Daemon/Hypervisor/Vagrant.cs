using System.Text;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Hypervisor;

public sealed record VagrantBox(string Name, string Provider, string Version);

/// <summary>The part of <c>vagrant up</c> a progress line belongs to, from the first line of each part.</summary>
public enum VagrantPhase
{
    StartingDomain,
    WaitingForNetwork,
    Provisioning,
}

/// <summary>All vagrant syntax lives here; every call runs in one VM's folder with our VAGRANT_HOME.</summary>
public sealed class Vagrant(ICommandRunner runner, IOptions<HypervisorOptions> options)
{
    /// <summary>The provisioner reads the VM's password from this variable (base64, so no shell quoting issue in the guest).</summary>
    public const string PasswordVariable = "VMM_PASSWORD_B64";

    /// <summary>The Vagrantfile reads the domain's VNC password (graphics_passwd) from this variable, so it is never written to disk by us.</summary>
    public const string VncPasswordVariable = "VMM_VNC_PASSWORD";

    private const string StepPrefix = "==> default: ";

    /// <summary>
    /// Creates and provisions the machine. Without <paramref name="vncPassword"/> the screen has no VNC password;
    /// a later <c>vagrant up</c> of the same machine must pass the same one, or vagrant-libvirt removes it.
    /// </summary>
    public Task<CommandResult> UpAsync(string folder, string password, string? vncPassword, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken) =>
        runner.RunAsync(Command(["up", "--provider=libvirt", "--no-color"], folder, timeout, password, vncPassword), onLine, cancellationToken);

    /// <summary>Boots an existing machine without running the provisioner again.</summary>
    public Task<CommandResult> StartAsync(string folder, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken) =>
        runner.RunAsync(Command(["up", "--no-provision", "--no-color"], folder, timeout), onLine, cancellationToken);

    public Task<CommandResult> DestroyAsync(string folder, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken) =>
        runner.RunAsync(Command(["destroy", "--force", "--no-color"], folder, timeout), onLine, cancellationToken);

    /// <summary>The step a "==> default: …" progress line announces; null for any other output line.</summary>
    public static string? StepOf(string line) => line.StartsWith(StepPrefix, StringComparison.Ordinal) ? line[StepPrefix.Length..].Trim() : null;

    /// <summary>The phase vagrant-libvirt's progress line opens, or null for a line within a phase (settings, SSH retries, …).</summary>
    public static VagrantPhase? PhaseOf(string step) =>
        step.StartsWith("Starting domain", StringComparison.Ordinal) ? VagrantPhase.StartingDomain
        : step.StartsWith("Waiting for domain to get an IP address", StringComparison.Ordinal)
            || step.StartsWith("Waiting for machine to boot", StringComparison.Ordinal) ? VagrantPhase.WaitingForNetwork
        : step.StartsWith("Running provisioner", StringComparison.Ordinal) ? VagrantPhase.Provisioning
        : null;

    /// <summary>
    /// vagrant-libvirt's steps right after the domain started (with or without graphics), seconds before the
    /// guest has an address and answers SSH: from here the VM has a screen.
    /// </summary>
    public static bool MeansDomainStarted(string step) =>
        step.StartsWith("Domain launching with graphics", StringComparison.Ordinal) || step.StartsWith("Waiting for domain to get an IP address", StringComparison.Ordinal);

    /// <summary>The libvirt domain UUID Vagrant recorded for the machine, or null before it was created.</summary>
    public static string? MachineId(string folder)
    {
        var idFile = Path.Combine(folder, ".vagrant", "machines", "default", "libvirt", "id");
        return File.Exists(idFile) && File.ReadAllText(idFile).Trim() is { Length: > 0 } id ? id : null;
    }

    public async Task<IReadOnlyList<VagrantBox>> BoxesAsync(CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(Command(["box", "list", "--machine-readable"], null, TimeSpan.FromMinutes(1)), cancellationToken: cancellationToken);
        return result.Succeeded ? ParseBoxes(result.Output) : throw new InvalidOperationException($"vagrant box list: {result.LastLine}");
    }

    /// <summary>--machine-readable lines: timestamp,target,type,data; box-name, box-provider, box-version come in order.</summary>
    internal static IReadOnlyList<VagrantBox> ParseBoxes(string output)
    {
        var boxes = new List<VagrantBox>();
        string? name = null, provider = null;
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Trim().Split(',');
            if (fields.Length < 4)
            {
                continue;
            }
            switch (fields[2])
            {
                case "box-name": name = fields[3]; break;
                case "box-provider": provider = fields[3]; break;
                case "box-version" when name is not null:
                    boxes.Add(new VagrantBox(name, provider ?? "", fields[3]));
                    name = provider = null;
                    break;
            }
        }
        return boxes;
    }

    private CommandLine Command(IReadOnlyList<string> arguments, string? folder, TimeSpan timeout, string? password = null, string? vncPassword = null)
    {
        var settings = options.Value;
        var environment = new Dictionary<string, string>
        {
            ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
            ["VAGRANT_DEFAULT_PROVIDER"] = "libvirt",
            ["LIBVIRT_DEFAULT_URI"] = settings.LibvirtUri,
            ["LC_ALL"] = "C.UTF-8",
        };
        if (!string.IsNullOrEmpty(settings.VagrantHome))
        {
            environment["VAGRANT_HOME"] = settings.VagrantHome;
        }
        if (password is not null)
        {
            environment[PasswordVariable] = Convert.ToBase64String(Encoding.UTF8.GetBytes(password));
        }
        if (vncPassword is not null)
        {
            environment[VncPasswordVariable] = vncPassword;
        }
        return new CommandLine(settings.VagrantPath, arguments, timeout) { WorkingDirectory = folder, Environment = environment };
    }
}
