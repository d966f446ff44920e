using System.Net;
using System.Text.Json;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Hosting;

[Collection(RigCollection.Name)]
public sealed class HealthEndpointTests(RigFixture rig)
{
    [Fact]
    public async Task Readyz_AllPartsOfTheRigUp_ReportsEachCheckHealthy()
    {
        using var factory = new VmManagerFactory(new Dictionary<string, string?>(RigSettings.Ldap(rig).Concat(RigSettings.Mail(rig))));
        var client = factory.CreateClient();

        var response = await client.GetAsync("/readyz");

        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        foreach (var check in new[] { "database", "libvirt", "vagrant", "ldap", "smtp" })
        {
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }
        Assert.Contains("service bind ok", body.GetProperty("checks").GetProperty("ldap").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Readyz_DirectoryAndRelayUnreachable_SaysWhichCheckFailedAndWhy()
    {
        var settings = RigSettings.Ldap(rig);
        settings["Ldap:Port"] = "1"; // nothing listens there
        settings["Ldap:Security"] = "None";
        foreach (var (key, value) in RigSettings.Mail(rig))
        {
            settings[key] = value;
        }
        settings["Mail:Port"] = "1";
        using var factory = new VmManagerFactory(settings);
        var client = factory.CreateClient();

        var response = await client.GetAsync("/readyz");

        var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", checks.GetProperty("ldap").GetProperty("status").GetString());
        Assert.Contains("unreachable", checks.GetProperty("ldap").GetProperty("description").GetString());
        Assert.Equal("Unhealthy", checks.GetProperty("smtp").GetProperty("status").GetString());
        Assert.Contains("127.0.0.1:1", checks.GetProperty("smtp").GetProperty("description").GetString());
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_ProcessAlive_AnswersWithoutCheckingDependencies()
    {
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:LibvirtUri"] = "qemu+ssh://nowhere.invalid/system" });

        var response = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }
}
