using System.Net;
using System.Net.Http.Json;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Machines;
using VmManager.Daemon.Requests;
using VmManager.Daemon.Tests.Requests;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Classes;

/// <summary>
/// Every /api endpoint about someone's VM or request, the console ticket and the event stream, for each
/// identity of the rig's classes: a teacher gets 404 for students outside their classes, exactly as a
/// student does for other students' VMs.
/// </summary>
[Collection(RigCollection.Name)]
public sealed class ClassAuthorizationMatrixTests(RigFixture rig, ClassAuthorizationMatrixTests.Host fixture) : IClassFixture<ClassAuthorizationMatrixTests.Host>
{
    public sealed class Host : IDisposable
    {
        private ClassesApp? _app;

        public ClassesApp App(RigFixture rig) => _app ??= new ClassesApp(rig);

        public void Dispose() => _app?.Dispose();
    }

    private static readonly string[] Students = ["carla", "dan", "élodie"];

    /// <summary>Whose VMs each identity sees among the students (besides their own).</summary>
    private static readonly Dictionary<string, string[]> Sees = new()
    {
        ["carla"] = ["carla"], ["dan"] = ["dan"], ["élodie"] = ["élodie"],
        ["tom"] = ["carla", "dan"], ["iris"] = ["carla"], ["ada"] = ["carla", "dan", "élodie"],
    };

    public static TheoryData<string, string, int, int, int, int> Endpoints => new()
    {
        // method, path ({id} = the VM, {job} = a job of it): owner, teacher of the owner's class, admin, anyone else
        { "GET", "/api/vms/{id}", 200, 200, 200, 404 },
        { "GET", "/api/vms/{id}/log", 200, 200, 200, 404 },
        { "GET", "/api/jobs/{job}", 200, 200, 200, 404 },
        { "GET", "/api/vms/{id}/credentials", 200, 403, 403, 404 },
        { "POST", "/api/vms/{id}/stop", 202, 202, 202, 404 },
        { "POST", "/api/vms/{id}/force-off", 403, 403, 202, 404 },
        { "POST", "/api/vms/{id}/reboot", 202, 403, 202, 404 },
        { "DELETE", "/api/vms/{id}", 202, 403, 202, 404 },
        { "POST", "/api/vms/{id}/extend", 200, 403, 200, 404 },
        { "POST", "/api/consoles", 200, 200, 200, 404 },
    };

    private readonly ClassesApp _app = fixture.App(rig);

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_EachIdentityAndOwner_SeesOnlyTheirClasses(string method, string path, int owner, int teacher, int admin, int other)
    {
        foreach (var (caller, seen) in Sees)
        {
            using var user = await _app.LoginAsync(caller);
            foreach (var student in Students)
            {
                // A fresh VM each time: the previous call's job would make this one busy (409).
                var vm = _app.RunningVm(student);
                // The job belongs to another VM of the same student, so the worker running it never makes this one busy.
                var job = path.Contains("{job}", StringComparison.Ordinal) ? _app.Service<MachineStore>().Enqueue(_app.RunningVm(student).Id, JobKinds.Reboot, student) : null;
                var expected = caller == student ? owner : caller == "ada" ? admin : seen.Contains(student) ? teacher : other;
                var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", vm.Id, StringComparison.Ordinal)
                    .Replace("{job}", job?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    Content = path.EndsWith("/extend", StringComparison.Ordinal) ? JsonContent.Create(new { lifetimeHours = 8 })
                        : path == "/api/consoles" ? JsonContent.Create(new { vmId = vm.Id }) : null,
                };

                var response = await user.Http.SendAsync(request);

                Assert.True(expected == (int)response.StatusCode,
                    $"{method} {path} by {caller} on {student}'s VM: {(int)response.StatusCode}, expected {expected}: {await response.Content.ReadAsStringAsync()}");
                if (path == "/api/consoles" && response.IsSuccessStatusCode)
                {
                    var ticket = await response.Content.ReadFromJsonAsync<ConsoleTicketResponse>();
                    Assert.Equal(caller != student && caller != "ada", ticket!.ViewOnly);
                }
            }
        }
    }

    [Fact]
    public async Task List_EachIdentity_ShowsExactlyTheStudentsOfTheirClasses()
    {
        var vms = Students.ToDictionary(student => _app.RunningVm(student).Id, student => student);
        foreach (var (caller, seen) in Sees)
        {
            using var user = await _app.LoginAsync(caller);

            var listed = await user.Http.GetFromJsonAsync<MachineView[]>("/api/vms?scope=all", MachineApi.Json);

            Assert.Equal(seen.Order(), listed!.Where(vm => vms.ContainsKey(vm.Id)).Select(vm => vm.Owner).Order());
        }
    }

    [Fact]
    public async Task Events_EachIdentity_StreamsOnlyTheStudentsOfTheirClasses()
    {
        var events = _app.Service<MachineEvents>();
        foreach (var (caller, seen) in Sees)
        {
            using var user = await _app.LoginAsync(caller);
            var marker = "end-" + Guid.NewGuid().ToString("N")[..8];
            var owners = new List<string>();
            var markers = 0;
            var reading = Task.Run(async () =>
            {
                using var stream = new StreamReader(await user.Http.GetStreamAsync("/api/vms/events"));
                while (await stream.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        var change = System.Text.Json.JsonSerializer.Deserialize<MachineChanged>(line[5..], MachineApi.Json)!;
                        // From the second marker on, a whole round of events has been seen.
                        if (change.MachineId == marker && ++markers == 2)
                        {
                            return;
                        }
                        if (markers == 1 && change.MachineId != marker)
                        {
                            owners.Add(change.Owner);
                        }
                    }
                }
            });
            // The stream subscribes when its request arrives: publish until the marker (the caller's own VM) comes back.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!reading.IsCompleted && DateTime.UtcNow < deadline)
            {
                foreach (var student in Students)
                {
                    events.Publish(new MachineChanged("vm-of-" + student, student, MachineStates.Running, null, null));
                }
                events.Publish(new MachineChanged(marker, caller, MachineStates.Running, null, null));
                await Task.WhenAny(reading, Task.Delay(200));
            }

            await reading.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(seen.Where(Students.Contains).Order(), owners.Distinct().Order());
        }
    }

    [Fact]
    public async Task Requests_EachIdentity_SeesAndDecidesOnlyTheirClasses()
    {
        var ids = new Dictionary<string, long>();
        foreach (var student in Students)
        {
            using var user = await _app.LoginAsync(student);
            ids[student] = (await RequestsApi.CreateAsync(user.Http, new
            {
                kind = "vms", amount = 1, until = RequestsApi.Until(TimeProvider.System, TimeSpan.FromDays(3)), reason = "matrice",
            })).Id;
        }
        foreach (var (caller, seen) in Sees)
        {
            using var user = await _app.LoginAsync(caller);
            foreach (var student in Students)
            {
                var response = await user.Http.GetAsync($"/api/requests/{ids[student]}");
                Assert.True((seen.Contains(student) ? 200 : 404) == (int)response.StatusCode, $"GET request of {student} by {caller}: {(int)response.StatusCode}");
            }
            var listed = await user.Http.GetFromJsonAsync<ResourceRequestView[]>("/api/requests?scope=all", MachineApi.Json);
            Assert.Equal(seen.Select(student => ids[student]).Order(), listed!.Where(request => ids.ContainsValue(request.Id)).Select(request => request.Id).Order());
        }

        using var iris = await _app.LoginAsync("iris");
        using var tom = await _app.LoginAsync("tom");
        using var ada = await _app.LoginAsync("ada");
        Assert.Equal(HttpStatusCode.NotFound, (await RequestsApi.DecideAsync(iris.Http, ids["dan"], "approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await RequestsApi.DecideAsync(iris.Http, ids["dan"], "refuse", "non")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await RequestsApi.DecideAsync(tom.Http, ids["élodie"], "approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RequestsApi.DecideAsync(tom.Http, ids["dan"], "approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RequestsApi.DecideAsync(ada.Http, ids["élodie"], "refuse", "pas de classe")).StatusCode);
    }
}
