namespace VmManager.Daemon.Tests.Support;

public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>The daemon as built by this test project's build (a project reference builds it first).</summary>
    public static string DaemonBinary => Path.Combine(Root, "src", "VmManager.Daemon", "bin", Configuration, "net10.0", "vm-manager");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VmManager.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("VmManager.sln not found above " + AppContext.BaseDirectory);
    }
}
