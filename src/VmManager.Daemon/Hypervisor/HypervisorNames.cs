using System.Text.RegularExpressions;

namespace VmManager.Daemon.Hypervisor;

/// <summary>Names that may reach a virsh/vagrant argument: letters, digits, '.', '_', '-', never a leading '-' or '.'.</summary>
public static partial class HypervisorNames
{
    public static bool IsSafe(string? name) => name is { Length: > 0 and <= 128 } && SafeName().IsMatch(name);

    public static string Require(string name) =>
        IsSafe(name) ? name : throw new ArgumentException($"'{name}' is not a safe libvirt name", nameof(name));

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*\z")]
    private static partial Regex SafeName();
}
