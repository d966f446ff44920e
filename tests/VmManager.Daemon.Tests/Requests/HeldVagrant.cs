using VmManager.Daemon.Tests.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>
/// A fake vagrant whose every call waits until <see cref="Release"/>, then fails: the VM stays "creating"
/// while the test runs, and the app stops at once afterwards (the worker waits for running jobs).
/// </summary>
internal sealed class HeldVagrant : IDisposable
{
    private readonly TempDirectory _folder = new();

    public HeldVagrant() => Path = MachineFaultTests.FakeVagrant(_folder, $"while [ ! -e '{_folder.File("release")}' ]; do sleep 0.1; done; exit 1");

    public string Path { get; }

    public void Release() => File.WriteAllText(_folder.File("release"), "");

    public void Dispose()
    {
        Release();
        _folder.Dispose();
    }
}
