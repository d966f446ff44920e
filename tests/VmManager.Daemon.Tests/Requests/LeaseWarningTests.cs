using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Requests;

/// <summary>
/// Lease warnings driven by an injected clock, mailed through the rig's SMTP sink. The VMs stay "creating"
/// (a fake vagrant that waits to be released): a lease is a row, so no guest needs to boot for its warnings.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class LeaseWarningTests(RigFixture rig)
{
    [Fact]
    public async Task Scan_ClockPassesEachThreshold_OneMailPerThresholdEvenAfterARestart()
    {
        using var vagrant = new HeldVagrant();
        using var data = new TempDirectory();
        var clock = new ManualClock();
        var settings = Settings(vagrant);
        var name = $"lease-{RequestsApi.Marker()}";
        string id;
        using (var factory = new VmManagerFactory(settings, data: data, clock: clock))
        {
            var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
            id = (await MachineApi.CreateAsync(student, name, lifetimeHours: 48)).Machine.Id;
            var leases = factory.Services.GetRequiredService<LeaseWarnings>();
            Assert.Equal(0, leases.Scan());

            clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
            Assert.Equal(1, leases.Scan());
            var first = await MailSink.WaitForAsync(rig, mail => mail.Subject.Contains(name, StringComparison.Ordinal));
            clock.Advance(TimeSpan.FromHours(1));
            Assert.Equal(0, leases.Scan());
            clock.Advance(TimeSpan.FromHours(22));
            Assert.Equal(1, leases.Scan());
            var second = await MailSink.WaitForAsync(rig, mail => mail.Subject.Contains(name, StringComparison.Ordinal) && mail != first);

            Assert.Equal($"[VmManager] Votre VM « {name} » sera supprimée dans 23 h", first.Subject);
            Assert.Contains("etudiant@demo.invalid", first.To);
            Assert.Contains($"{RequestsApi.PublicOrigin}/#/vms?vm={id}", first.Body);
            Assert.Contains("elle sera alors supprimée avec ses disques", first.Body);
            Assert.Equal($"[VmManager] Votre VM « {name} » sera supprimée dans 59 min", second.Subject);
            vagrant.Release();
        }

        using (var restarted = new VmManagerFactory(settings, data: data, clock: clock))
        {
            Assert.Equal(0, restarted.Services.GetRequiredService<LeaseWarnings>().Scan());
            await WaitForOutboxEmptyAsync(restarted);
            var mails = MailSink.All(rig).Where(mail => mail.Subject.Contains(name, StringComparison.Ordinal)).ToList();
            Assert.Equal(2, mails.Count);
            Assert.Equal(2, mails.Select(mail => RequestsApi.Header(mail, "Message-ID")).Distinct().Count());
            vagrant.Release();
        }
    }

    [Fact]
    public async Task Scan_LeaseExtendedPastTheThreshold_WarnsAgain()
    {
        using var vagrant = new HeldVagrant();
        var clock = new ManualClock();
        using var factory = new VmManagerFactory(Settings(vagrant), clock: clock);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var name = $"extend-{RequestsApi.Marker()}";
        var id = (await MachineApi.CreateAsync(student, name, lifetimeHours: 48)).Machine.Id;
        var leases = factory.Services.GetRequiredService<LeaseWarnings>();
        leases.Scan();
        clock.Advance(TimeSpan.FromHours(30));
        Assert.Equal(1, leases.Scan());

        student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        (await student.PostAsJsonAsync($"/api/vms/{id}/extend", new { lifetimeHours = 48 })).EnsureSuccessStatusCode();
        Assert.Equal(0, leases.Scan());
        clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(1, leases.Scan());

        await WaitForOutboxEmptyAsync(factory);
        Assert.Equal(2, MailSink.All(rig).Count(mail => mail.Subject.Contains(name, StringComparison.Ordinal)));
        vagrant.Release();
    }

    [Fact]
    public async Task Scan_ShortLeaseOrDeletedVm_GetsNoWarningForIt()
    {
        using var vagrant = new HeldVagrant();
        var clock = new ManualClock();
        using var factory = new VmManagerFactory(Settings(vagrant), clock: clock);
        var student = await factory.LoginAsync(RequestsApi.Student, RequestsApi.StudentPassword);
        var shortName = $"short-{RequestsApi.Marker()}";
        var deletedName = $"deleted-{RequestsApi.Marker()}";
        await MachineApi.CreateAsync(student, shortName, lifetimeHours: 8);
        var deleted = (await MachineApi.CreateAsync(student, deletedName, lifetimeHours: 48)).Machine.Id;
        var leases = factory.Services.GetRequiredService<LeaseWarnings>();
        leases.Scan();

        factory.Services.GetRequiredService<MachineStore>().SetState(deleted, MachineStates.Deleted);
        clock.Advance(TimeSpan.FromHours(7.5));
        var warned = leases.Scan();

        // The 8-hour VM was never seen with 24 h left: only its 1-hour warning fires, the deleted one none.
        Assert.Equal(1, warned);
        await WaitForOutboxEmptyAsync(factory);
        Assert.Equal([$"[VmManager] Votre VM « {shortName} » sera supprimée dans 30 min"],
            MailSink.All(rig).Where(mail => mail.Subject.Contains(shortName, StringComparison.Ordinal) || mail.Subject.Contains(deletedName, StringComparison.Ordinal))
                .Select(mail => mail.Subject));
        vagrant.Release();
    }

    private Dictionary<string, string?> Settings(HeldVagrant vagrant) => new(RequestsApi.MailSettings(rig, "profs@school.test"))
    {
        ["Hypervisor:VagrantPath"] = vagrant.Path,
        ["Machines:Templates:0:LifetimeHours:3"] = "48",
        // Scan() is called by the test; the background pass only runs at start.
        ["Requests:LeaseWarningScanSeconds"] = "3600",
    };

    private static async Task WaitForOutboxEmptyAsync(VmManagerFactory factory)
    {
        var outbox = factory.Services.GetRequiredService<MailOutbox>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (outbox.PendingCount() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the outbox was not sent");
            await Task.Delay(100);
        }
        Assert.Equal(0, outbox.Status().Failed);
    }
}
