namespace VmManager.Perf.Harness;

/// <summary>A folder of the run's own (data, VM folders, configs), removed at the end.</summary>
public sealed class Scratch : IDisposable
{
    public Scratch(string label)
    {
        Path = System.IO.Path.Combine("/var/tmp", $"vmm-perf-{label}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Folder(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment.
        }
    }
}
