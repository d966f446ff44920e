using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Machines;

/// <summary>Leases are rows with an expiry, not timers: they survive restarts and an injected clock drives them.</summary>
[Collection(RigCollection.Name)]
public sealed class LeaseTests(RigFixture rig)
{
    [Fact]
    public async Task Reconcile_LeaseExpired_DeletesTheVm()
    {
        _ = rig.Env;
        var clock = new ShiftedClock();
        using var factory = new VmManagerFactory(clock: clock);
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var accepted = await MachineApi.CreateAsync(client, "short-lived", lifetimeHours: 2);
        Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, accepted.Job.Id)).State);
        var reconciler = factory.Services.GetRequiredService<Reconciler>();

        Assert.Empty((await reconciler.RunOnceAsync(CancellationToken.None)).ExpiredLeases);
        clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        var report = await reconciler.RunOnceAsync(CancellationToken.None);

        Assert.Equal([accepted.Machine.Id], report.ExpiredLeases);
        await WaitUntilDeletedAsync(factory, accepted.Machine.Id);
        await RigHost.AssertNothingLeftAsync(factory.Naming, accepted.Machine.Id, Path.Combine(factory.VmRoot, "etudiant", accepted.Machine.Id));
    }

    [Fact]
    public async Task Start_LeaseExpiredWhileTheDaemonWasDown_DeletesTheVm()
    {
        using var data = new TempDirectory();
        string id;
        using (var before = new VmManagerFactory(data: data))
        {
            var client = await before.LoginAsync("etudiant", "Etudiant-Demo1");
            var accepted = await MachineApi.CreateAsync(client, "expires-offline", lifetimeHours: 2);
            Assert.Equal(JobStates.Succeeded, (await MachineApi.WaitForJobAsync(client, accepted.Job.Id)).State);
            id = accepted.Machine.Id;
        }

        var later = new ShiftedClock();
        later.Advance(TimeSpan.FromHours(3));
        using var after = new VmManagerFactory(data: data, clock: later);
        _ = after.Server; // start: the reconciler's first pass runs at once

        await WaitUntilDeletedAsync(after, id);
        await RigHost.AssertNothingLeftAsync(after.Naming, id, Path.Combine(after.VmRoot, "etudiant", id));
    }

    [Fact]
    public async Task Extend_AllowedLifetime_MovesTheExpiryAndNeverShortensIt()
    {
        using var tools = new TempDirectory();
        using var factory = new VmManagerFactory(new Dictionary<string, string?> { ["Hypervisor:VagrantPath"] = MachineFaultTests.FakeVagrant(tools, "sleep 30") });
        var client = await factory.LoginAsync("etudiant", "Etudiant-Demo1");
        var accepted = await MachineApi.CreateAsync(client, "extend-me", lifetimeHours: 8);

        var shorter = await client.PostAsync($"/api/vms/{accepted.Machine.Id}/extend", JsonContent.Create(new { lifetimeHours = 2 }));
        var notAllowed = await client.PostAsync($"/api/vms/{accepted.Machine.Id}/extend", JsonContent.Create(new { lifetimeHours = 5 }));
        var longer = await client.PostAsync($"/api/vms/{accepted.Machine.Id}/extend", JsonContent.Create(new { lifetimeHours = 24 }));

        Assert.Equal(System.Net.HttpStatusCode.OK, shorter.StatusCode);
        Assert.Equal(accepted.Machine.ExpiresAt, (await shorter.Content.ReadFromJsonAsync<MachineView>(MachineApi.Json))!.ExpiresAt);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, notAllowed.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, longer.StatusCode);
        Assert.True((await MachineApi.GetAsync(client, accepted.Machine.Id))!.ExpiresAt > accepted.Machine.ExpiresAt.AddHours(15));
    }

    private static async Task WaitUntilDeletedAsync(VmManagerFactory factory, string id)
    {
        var store = factory.Services.GetRequiredService<MachineStore>();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (store.Find(id)?.State != MachineStates.Deleted)
        {
            Assert.True(DateTime.UtcNow < deadline, $"VM {id} is still {store.Find(id)?.State}");
            await Task.Delay(250);
        }
    }
}
