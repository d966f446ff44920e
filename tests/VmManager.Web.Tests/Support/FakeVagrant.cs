using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>
/// A vagrant that answers "box list" like the real one (so the template's box counts as installed)
/// and on "up" prints the first steps as vagrant-libvirt does and sleeps: VMs stay "creating" (at the
/// step "waiting for its network") for pages that need no real VM.
/// Each sleeper writes its pid; <see cref="Dispose"/> ends exactly those, so the daemon's shutdown
/// does not wait for them.
/// </summary>
public sealed class FakeVagrant : IDisposable
{
    private readonly TempDirectory _folder = new();

    public FakeVagrant()
    {
        Directory.CreateDirectory(Pids);
        var path = _folder.File("vagrant");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            if [ "$1" = box ]; then
              echo '1,,box-name,vmm/tiny'; echo '1,,box-provider,libvirt'; echo '1,,box-version,0'; exit 0
            fi
            if [ "$1" = up ]; then
              echo "==> default: Creating the fake machine"
              echo "==> default:  -- Source: $PWD/Vagrantfile"
              echo "==> default: Starting domain."
              echo "==> default: Waiting for machine to boot. This may take a few minutes..."
              echo $$ > '{{Pids}}/'$$
              exec sleep 600
            fi
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Settings = new Dictionary<string, string?> { ["Hypervisor:VagrantPath"] = path };
    }

    public IDictionary<string, string?> Settings { get; }

    private string Pids => _folder.File("pids");

    public void Dispose()
    {
        if (!Directory.Exists(Pids))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(Pids))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(int.Parse(Path.GetFileName(file), System.Globalization.CultureInfo.InvariantCulture)).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        _folder.Dispose();
    }
}
