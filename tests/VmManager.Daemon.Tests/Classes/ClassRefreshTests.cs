using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Tests.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>Memberships follow the directory: a student taken out of a class leaves their teacher's views within one refresh.</summary>
[Collection(RigCollection.Name)]
public sealed class ClassRefreshTests(RigFixture rig)
{
    private const int RefreshSeconds = 3;

    [Fact]
    public async Task RemovedFromClassInDirectory_TeacherLosesTheVmAndTheOpenConsoleWithinOneRefresh()
    {
        // A class of its own, in an OU of its own: the shared directory's classes are left as they are.
        var ou = $"ou=classes-{Guid.NewGuid():N},{rig["LDAP_BASE"]}";
        var lab = $"cn=lab,{ou}";
        await RigDirectory.ModifyAsync(rig, $"""
            dn: {ou}
            objectClass: organizationalUnit

            dn: {lab}
            objectClass: groupOfNames
            cn: lab
            owner: uid=tom,{rig["LDAP_PEOPLE_BASE"]}
            member: uid=carla,{rig["LDAP_PEOPLE_BASE"]}
            member: uid=dan,{rig["LDAP_PEOPLE_BASE"]}

            """, add: true);
        try
        {
            using var app = new ClassesApp(rig, new Dictionary<string, string?>
            {
                ["Classes:Ldap:BaseDn"] = ou,
                ["Classes:RefreshSeconds"] = RefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            using var vnc = new FakeVncServer();
            vnc.Serve(FakeVncServer.GreetAndEchoAsync);
            var carlas = app.RunningVm("carla", vnc.Port);
            var dans = app.RunningVm("dan", vnc.Port);
            using var tom = await app.LoginAsync("tom");
            Assert.Equal(HttpStatusCode.OK, (await tom.Http.GetAsync($"/api/vms/{carlas.Id}")).StatusCode);
            using var console = await app.OpenConsoleAsync(tom, carlas.Id);

            await RigDirectory.ModifyAsync(rig, $"""
                dn: {lab}
                changetype: modify
                delete: member
                member: uid=carla,{rig["LDAP_PEOPLE_BASE"]}

                """);
            var removed = Stopwatch.StartNew();
            while ((await tom.Http.GetAsync($"/api/vms/{carlas.Id}")).StatusCode != HttpStatusCode.NotFound)
            {
                Assert.True(removed.Elapsed < TimeSpan.FromSeconds(RefreshSeconds * 4), "carla's VM is still visible to tom");
                await Task.Delay(100);
            }
            var hiddenAfter = removed.Elapsed;

            Assert.True(hiddenAfter < TimeSpan.FromSeconds(RefreshSeconds + 2), $"hidden only after {hiddenAfter.TotalSeconds:0.0} s (refresh every {RefreshSeconds} s)");
            Assert.Equal(HttpStatusCode.OK, (await tom.Http.GetAsync($"/api/vms/{dans.Id}")).StatusCode);
            var buffer = new byte[4096];
            WebSocketReceiveResult received;
            do
            {
                received = await console.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
            while (received.MessageType != WebSocketMessageType.Close);
            Assert.Equal("the VM's owner is no longer in a class you teach", console.CloseStatusDescription);
            Assert.True(SpinWait.SpinUntil(() => app.Service<ConsoleSessions>().CountForUser("tom") == 0, TimeSpan.FromSeconds(10)), "tom's console is still registered");
        }
        finally
        {
            await RigDirectory.DeleteAsync(rig, lab, ou);
        }
    }
}
