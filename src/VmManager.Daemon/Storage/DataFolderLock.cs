using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Storage;

/// <summary>
/// One daemon per data folder: an exclusive lock on &lt;data&gt;/vm-manager.lock, taken before anything touches the
/// folder (migrations, stray processes, jobs). A second daemon would kill the first's vagrant as a "stray" and
/// run its jobs again. .NET implements FileShare.None on Linux as flock(LOCK_EX | LOCK_NB), so the kernel
/// drops the lock with the process however it ends; the holder's PID is in vm-manager.pid for the message.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    private readonly FileStream _lock;

    private DataFolderLock(FileStream held) => _lock = held;

    public static DataFolderLock Acquire(string dataDirectory)
    {
        var folder = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(folder);
        var pidFile = Path.Combine(folder, "vm-manager.pid");
        var lockFile = Path.Combine(folder, "vm-manager.lock");
        FileStream held;
        try
        {
            // Read access is enough for flock, and works on a lock file that root's admin command created first.
            held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.None);
        }
        catch (UnauthorizedAccessException)
        {
            throw new StartupException("Storage:DataDirectory", $"{lockFile} cannot be opened by this user; give the data folder to the service user");
        }
        catch (IOException)
        {
            var holder = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "unknown";
            throw new StartupException("Storage:DataDirectory", $"{folder} is in use by another vm-manager (pid {holder}); one daemon per data folder");
        }
        try
        {
            File.WriteAllText(pidFile, Environment.ProcessId + "\n");
        }
        catch (UnauthorizedAccessException)
        {
            // Only the message of a second daemon reads it ("pid unknown" then); the lock is what counts.
        }
        return new DataFolderLock(held);
    }

    public void Dispose() => _lock.Dispose();
}
