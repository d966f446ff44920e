using Microsoft.Extensions.Configuration;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

public sealed class MachinesOptionsValidatorTests : IDisposable
{
    private readonly TempDirectory _vmRoot = new();

    [Fact]
    public void MaxConcurrentOperations_Default_OnePerCpuAtLeastTwo()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 2, 16), new MachinesOptions().MaxConcurrentOperations);
    }

    public static TheoryData<string, Action<MachinesOptions>> Mistakes => new()
    {
        { "Machines:VmRoot: is required", o => o.VmRoot = " " },
        { "Machines:MaxConcurrentOperations: must be between 1 and 16", o => o.MaxConcurrentOperations = 17 },
        { "Machines:MaxConcurrentOperations:", o => o.MaxConcurrentOperations = 0 },
        { "Machines:CreateTimeoutSeconds: must be greater than 0", o => o.CreateTimeoutSeconds = 0 },
        { "Machines:OperationTimeoutSeconds:", o => o.OperationTimeoutSeconds = -1 },
        { "Machines:GracefulStopTimeoutSeconds:", o => o.GracefulStopTimeoutSeconds = 0 },
        { "Machines:StateRefreshSeconds:", o => o.StateRefreshSeconds = 0 },
        { "Machines:ReconcileIntervalSeconds:", o => o.ReconcileIntervalSeconds = 0 },
        { "Machines:Templates:1:Id: 'Windows'", o => o.Templates[1].Id = "Windows" },
        { "Machines:Templates:1:Id: 'tiny\n'", o => o.Templates[1].Id = "tiny\n" },
        { "Machines:Templates:1:Id: '-x'", o => o.Templates[1].Id = "-x" },
        { $"Machines:Templates:1:Id: '{new string('a', 33)}'", o => o.Templates[1].Id = new string('a', 33) },
        { "Machines:Templates:1:Id: 'tiny' is already the id of Machines:Templates:0", o => o.Templates[1].Id = "tiny" },
        { "Machines:Templates:1:Box: is required", o => o.Templates[1].Box = "" },
        { "Machines:Templates:1:Box: 'a/b/c'", o => o.Templates[1].Box = "a/b/c" },
        { "Machines:Templates:1:Box: '-rf'", o => o.Templates[1].Box = "-rf" },
        { "Machines:Templates:1:Box: 'a\"b'", o => o.Templates[1].Box = "a\"b" },
        { "Machines:Templates:1:BoxVersion: '>= 1; rm'", o => o.Templates[1].BoxVersion = ">= 1; rm" },
        { "Machines:Templates:1:Cpus:Min: must be at least 1", o => o.Templates[1].Cpus.Min = 0 },
        { "Machines:Templates:1:MemoryMiB: needs Min <= Default <= Max (got 512 <= 8192 <= 4096)", o => o.Templates[1].MemoryMiB.Default = 8192 },
        { "Machines:Templates:1:DiskGiB: needs Min <= Default <= Max", o => o.Templates[1].DiskGiB.Default = 5 },
        { "Machines:Templates:1:LifetimeHours: needs at least one value", o => o.Templates[1].LifetimeHours = [] },
        { "Machines:Templates:1:LifetimeHours: every value must be greater than 0", o => o.Templates[1].LifetimeHours = [2, 0] },
        { "Machines:Templates:1:Driver: 'xen'", o => o.Templates[1].Driver = "xen" },
        { "Machines:Templates:1:Keymap: 'FR'", o => o.Templates[1].Keymap = "FR" },
        { "Machines:Templates:1:Keymap: 'fr\"'", o => o.Templates[1].Keymap = "fr\"" },
        { "Machines:Templates:1:Keymap: 'ja' has no Windows keyboard layout", o => { o.Templates[1].Os = OsFamily.Windows; o.Templates[1].Keymap = "ja"; } },
        { "Machines:Templates:1:LoginUser: 'Root'", o => o.Templates[1].LoginUser = "Root" },
        { "Machines:Templates:1:LoginUser: 'a b'", o => o.Templates[1].LoginUser = "a b" },
        { "Machines:Templates:1:LoginUser: '0day'", o => o.Templates[1].LoginUser = "0day" },
    };

    [Fact]
    public void Validate_ValidCatalogue_Succeeds()
    {
        var result = new MachinesOptionsValidator().Validate(null, ValidOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_DemoCatalogue_Succeeds()
    {
        var options = new MachinesOptions();
        var demo = File.ReadAllText(Path.Combine(Repository.Root, "src", "VmManager.Daemon", "Hosting", "demo.toml"));
        new ConfigurationBuilder().AddInMemoryCollection(TomlConfiguration.Flatten(TomlConfiguration.Parse(demo))).Build()
            .GetSection(MachinesOptions.Section).Bind(options);
        options.VmRoot = _vmRoot.Path; // relative in the demo: it would land in the test's working folder

        var result = new MachinesOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("tiny", Assert.Single(options.Templates).Id);
    }

    [Fact]
    public void Validate_EmptyCatalogue_Succeeds()
    {
        var options = ValidOptions();
        options.Templates.Clear();

        Assert.True(new MachinesOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Validate_Mistake_FailsNamingTheKey(string expectedStart, Action<MachinesOptions> mistake)
    {
        var options = ValidOptions();
        mistake(options);

        var result = new MachinesOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(expectedStart, failure);
    }

    [Fact]
    public void Validate_UnwritableVmRoot_FailsNamingVmRoot()
    {
        // Root ignores permission bits, so make the folder impossible instead: its parent is a file.
        var blocker = _vmRoot.File("not-a-folder");
        File.WriteAllText(blocker, "");
        var options = ValidOptions();
        options.VmRoot = Path.Combine(blocker, "vms");

        var result = new MachinesOptionsValidator().Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"Machines:VmRoot: '{options.VmRoot}' is not writable", failure);
    }

    [Fact]
    public void Validate_SeveralMistakes_ReportsEachWithItsKey()
    {
        var options = ValidOptions();
        options.Templates[0].Driver = "xen";
        options.Templates[1].LifetimeHours = [];

        var result = new MachinesOptionsValidator().Validate(null, options);

        Assert.Collection(result.Failures!,
            failure => Assert.StartsWith("Machines:Templates:0:Driver:", failure),
            failure => Assert.StartsWith("Machines:Templates:1:LifetimeHours:", failure));
    }

    public void Dispose() => _vmRoot.Dispose();

    private MachinesOptions ValidOptions() => new()
    {
        VmRoot = _vmRoot.Path,
        Templates =
        [
            new MachineTemplate
            {
                Id = "tiny", Box = "vmm/tiny", Driver = "qemu", LoginUser = "root", LifetimeHours = [1, 2],
                Cpus = new ResourceRange { Min = 1, Default = 1, Max = 1 },
                MemoryMiB = new ResourceRange { Min = 128, Default = 128, Max = 256 },
                DiskGiB = new ResourceRange { Min = 1, Default = 1, Max = 1 },
            },
            new MachineTemplate { Id = "debian-12", Box = "debian/bookworm64", BoxVersion = "12.20240503.1", LifetimeHours = [2, 8, 24, 72] },
            new MachineTemplate { Id = "windows-11", Box = "school.windows-11", Os = OsFamily.Windows, Keymap = "fr-be", LifetimeHours = [8] },
        ],
    };
}
