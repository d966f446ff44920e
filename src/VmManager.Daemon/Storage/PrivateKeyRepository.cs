using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace VmManager.Daemon.Storage;

/// <summary>
/// The Data Protection keys (they decrypt the sessions and the stored VM passwords) in a folder only the
/// daemon's user may open, 0700, in demo mode too. They are not encrypted further: Linux has no DPAPI, and a
/// certificate to encrypt them with would sit on the same disk, so the folder's mode is the protection and
/// the framework's "No XML encryptor configured" warning is expected (README, "Backup and restore").
/// </summary>
public sealed class PrivateKeyRepository(DirectoryInfo folder, ILoggerFactory loggers) : IXmlRepository
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly FileSystemXmlRepository _files = new(folder, loggers);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // A folder left readable by an earlier version is closed at the next start.
        if (folder.Exists)
        {
            Restrict();
        }
        return _files.GetAllElements();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        Directory.CreateDirectory(folder.FullName, OwnerOnly);
        Restrict();
        _files.StoreElement(element, friendlyName);
    }

    private void Restrict()
    {
        if (File.GetUnixFileMode(folder.FullName) != OwnerOnly)
        {
            File.SetUnixFileMode(folder.FullName, OwnerOnly);
        }
    }
}
