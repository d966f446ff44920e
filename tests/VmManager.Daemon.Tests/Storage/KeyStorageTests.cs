using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Storage;

/// <summary>The Data Protection keys and the database are the daemon user's alone, in demo mode too (umask 022).</summary>
public sealed class KeyStorageTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task FirstStart_NewDataFolder_KeysFolderIs0700AndDatabase0600()
    {
        using var factory = new VmManagerFactory();

        // A session cookie: the first key is written.
        using var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");

        var keys = Path.Combine(factory.Data.Path, "keys");
        Assert.NotEmpty(Directory.GetFiles(keys));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(keys));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(factory.Data.Path, "vm-manager.db")));
    }

    [Fact]
    public async Task Start_KeysFolderLeftReadableByAnOlderVersion_IsClosed()
    {
        using var data = new TempDirectory();
        var keys = Directory.CreateDirectory(Path.Combine(data.Path, "keys"), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute).FullName;
        using var factory = new VmManagerFactory(data: data);

        using var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(keys));
    }
}
