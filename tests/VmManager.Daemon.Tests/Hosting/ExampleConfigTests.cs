using System.Collections;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Tomlyn.Model;
using VmManager.Daemon.Hosting;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

/// <summary>deploy/vm-manager.example.toml: complete (every option of every section) and accepted by the daemon.</summary>
public sealed class ExampleConfigTests
{
    public static string Example => Path.Combine(Repository.Root, "deploy", "vm-manager.example.toml");

    /// <summary>Every options class: the daemon's types with a <c>const string Section</c>.</summary>
    public static TheoryData<string> Sections => [.. OptionsTypes().Select(type => type.Name)];

    [Theory]
    [MemberData(nameof(Sections))]
    public void Example_HasEveryOptionOfTheSection_AndNothingElse(string optionsType)
    {
        var type = OptionsTypes().Single(candidate => candidate.Name == optionsType);
        var section = (string)type.GetField("Section")!.GetValue(null)!;
        var toml = ReadExample();

        Assert.True(toml.TryGetValue(section, out var element), $"the example has no {section} section");
        AssertMatches(type, element, section);
    }

    [Fact]
    public void Example_Templates_HaveALinuxAndAWindowsExample()
    {
        var templates = (TomlTableArray)((TomlTable)ReadExample()["Machines"])["Templates"];

        Assert.Equal(["Linux", "Windows"], templates.Select(template => (string)template["Os"]));
    }

    [Fact]
    public async Task Example_WithLocalPathsAndSecretsAsCredentials_PassesCheckConfigAndStartsTheDaemon()
    {
        using var data = new TempDirectory();
        var environment = LocalEnvironment(data);

        var (exitCode, error, output) = await DaemonProcess.RunToExitAsync(["check-config", "--config", Example], environment);
        Assert.Equal((0, "", "ok"), (exitCode, error, output));

        // LDAP and SMTP hosts of the example do not exist here: the daemon starts anyway (/readyz reports them).
        environment["VMMANAGER__Server__Url"] = "http://127.0.0.1:0";
        using var daemon = DaemonProcess.Start(["--config", Example], environment);
        var address = await daemon.WaitForListeningAsync();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>The example's paths moved to a temp folder, the secrets as systemd would hand them over.</summary>
    internal static Dictionary<string, string?> LocalEnvironment(TempDirectory data)
    {
        var credentials = Directory.CreateDirectory(data.File("credentials")).FullName;
        File.WriteAllText(Path.Combine(credentials, "Ldap__BindPassword"), "bind-secret");
        File.WriteAllText(Path.Combine(credentials, "Mail__Password"), "mail-secret");
        return new Dictionary<string, string?>
        {
            ["CREDENTIALS_DIRECTORY"] = credentials,
            ["VMMANAGER__Storage__DataDirectory"] = data.File("data"),
            ["VMMANAGER__Machines__VmRoot"] = data.File("data/student_vms"),
            ["VMMANAGER__Hypervisor__VagrantHome"] = data.File("data/vagrant.d"),
        };
    }

    private static TomlTable ReadExample() => TomlConfiguration.Parse(File.ReadAllText(Example), Example);

    private static IEnumerable<Type> OptionsTypes() =>
        typeof(DaemonConfiguration).Assembly.GetTypes()
            .Where(type => type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .OrderBy(type => type.Name);

    /// <summary>Each settable property is a key (recursing into nested objects and lists of objects), and each key a property.</summary>
    private static void AssertMatches(Type type, object element, string path)
    {
        var table = Assert.IsType<TomlTable>(element);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite).ToList();
        var keys = table.Keys.ToList();
        Assert.Empty(properties.Select(property => $"{path}:{property.Name}").Except(keys.Select(key => $"{path}:{key}")));
        Assert.Empty(keys.Select(key => $"{path}:{key}").Except(properties.Select(property => $"{path}:{property.Name}")));
        foreach (var property in properties)
        {
            var value = table[property.Name];
            var itemType = property.PropertyType.IsGenericType && typeof(IEnumerable).IsAssignableFrom(property.PropertyType)
                ? property.PropertyType.GetGenericArguments()[0]
                : null;
            if (itemType is { IsClass: true } && itemType != typeof(string))
            {
                var items = Assert.IsType<TomlTableArray>(value);
                Assert.NotEmpty(items);
                foreach (var item in items)
                {
                    AssertMatches(itemType, item, $"{path}:{property.Name}:[]");
                }
            }
            else if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && !property.PropertyType.IsArray)
            {
                AssertMatches(property.PropertyType, value, $"{path}:{property.Name}");
            }
        }
    }
}
