using System.Text.Json;
using Microsoft.Playwright;

namespace VmManager.Web.Tests.Support;

/// <summary>
/// Stand-ins, inside the browser only, for APIs other branches are building (quota, resource
/// requests, audit log, admin quota overrides), answering with the shapes the UI was designed for.
/// They let the tests drive those pages now; once the real endpoints exist these tests should run
/// against them instead. Every request the page sends to them is recorded.
/// </summary>
public sealed class FutureApis
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public List<(string Method, string Path, string? Body)> Calls { get; } = [];

    public static object Quota => new
    {
        limits = new { maxVms = 3, maxCpus = 4, maxMemoryMiB = 1024, maxDiskGiB = 20, maxRunningVms = 2 },
        usage = new { vms = 1, cpus = 1, memoryMiB = 128, diskGiB = 1, runningVms = 1 },
        remaining = new { maxVms = 2, maxCpus = 3, maxMemoryMiB = 896, maxDiskGiB = 19, maxRunningVms = 1 },
    };

    public static object[] Requests =>
    [
        new
        {
            id = "r1", requester = "etudiant", resource = "cpus", amount = 2, templateId = (string?)null, until = "2026-12-18T22:59:59Z",
            reason = "Compiler le projet de fin d'année", state = "pending", createdAt = "2026-11-20T08:15:00Z", comment = (string?)null,
        },
        new
        {
            id = "r2", requester = "etudiant", resource = "memoryMiB", amount = 1024, templateId = (string?)null, until = "2026-12-01T22:59:59Z",
            reason = "TP bases de données", state = "approved", createdAt = "2026-11-10T13:40:00Z", comment = (string?)"D'accord jusqu'aux vacances.",
        },
        new
        {
            id = "r3", requester = "bob", resource = "template", amount = 0, templateId = (string?)"tiny", until = "2026-12-05T22:59:59Z",
            reason = "Essayer Linux", state = "pending", createdAt = "2026-11-21T09:05:00Z", comment = (string?)null,
        },
    ];

    public static object Audit => new
    {
        items = new object[]
        {
            new { id = 3, at = "2026-11-21T09:12:00Z", actor = "admin", action = "quota.set", target = "etudiant", outcome = "success", detail = "maxVms=5", clientAddress = "127.0.0.1" },
            new { id = 2, at = "2026-11-21T09:02:00Z", actor = "etudiant", action = "session.login", target = (string?)null, outcome = "failure", detail = "wrong user name or password", clientAddress = "10.0.0.12" },
            new { id = 1, at = "2026-11-21T08:58:00Z", actor = "enseignant", action = "session.login", target = (string?)null, outcome = "success", detail = "Teacher", clientAddress = "10.0.0.7" },
        },
        page = 1,
        pageSize = 50,
        total = 3,
    };

    public static object UserQuota(string userName) => new
    {
        userName,
        role = "Student",
        limits = new { maxVms = 5, maxCpus = 4, maxMemoryMiB = 1024, maxDiskGiB = 20, maxRunningVms = 2 },
        usage = new { vms = 1, cpus = 1, memoryMiB = 128, diskGiB = 1, runningVms = 0 },
        remaining = new { maxVms = 4, maxCpus = 3, maxMemoryMiB = 896, maxDiskGiB = 19, maxRunningVms = 2 },
        overrides = new object[]
        {
            new { source = "admin", maxVms = 5, maxCpus = (int?)null, maxMemoryMiB = (int?)null, maxDiskGiB = (int?)null, maxRunningVms = (int?)null,
                expiresAt = "2026-12-20T17:00:00Z", setAt = "2026-11-21T09:12:00Z", setBy = "admin", reason = "Projet tutoré" },
        },
    };

    /// <summary>Routes the future APIs of this page's context; call before logging in (the UI probes them then).</summary>
    public async Task InstallAsync(IPage page)
    {
        await page.Context.RouteAsync("**/api/quota", route => Answer(route, 200, Quota));
        await page.Context.RouteAsync("**/api/requests**", route =>
        {
            var request = route.Request;
            var path = new Uri(request.Url).AbsolutePath;
            if (request.Method == "POST" && path == "/api/requests")
            {
                return Answer(route, 201, new { id = "r9", state = "pending" });
            }
            if (request.Method == "POST")
            {
                return Answer(route, 200, new { id = path.Split('/')[3], state = path.EndsWith("/approve", StringComparison.Ordinal) ? "approved" : "refused" });
            }
            return Answer(route, 200, request.Url.Contains("scope=all", StringComparison.Ordinal) ? Requests : Requests.Take(2));
        });
        await page.Context.RouteAsync("**/api/admin/audit**", route => Answer(route, 200, Audit));
        await page.Context.RouteAsync("**/api/admin/users/*/quota", route =>
        {
            var userName = Uri.UnescapeDataString(new Uri(route.Request.Url).AbsolutePath.Split('/')[4]);
            return route.Request.Method == "DELETE" ? Answer(route, 204, null) : Answer(route, 200, UserQuota(userName));
        });
    }

    private Task Answer(IRoute route, int status, object? body)
    {
        lock (Calls)
        {
            Calls.Add((route.Request.Method, new Uri(route.Request.Url).PathAndQuery, route.Request.PostData));
        }
        return route.FulfillAsync(new RouteFulfillOptions
        {
            Status = status,
            ContentType = "application/json",
            Body = body is null ? "" : JsonSerializer.Serialize(body, Json),
        });
    }
}
