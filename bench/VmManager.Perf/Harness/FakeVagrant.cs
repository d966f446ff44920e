namespace VmManager.Perf.Harness;

/// <summary>The --smoke stand-in for vagrant (see fake-vagrant.sh), written out as an executable.</summary>
public static class FakeVagrant
{
    public static string WriteTo(Scratch scratch)
    {
        var path = scratch.File("fake-vagrant");
        using (var resource = typeof(FakeVagrant).Assembly.GetManifestResourceStream("fake-vagrant.sh")!)
        using (var file = File.Create(path))
        {
            resource.CopyTo(file);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
