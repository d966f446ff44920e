using System.Data;
using System.Globalization;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Requests;

/// <summary>Too many pending requests, or too many today: 429, with when to try again if that is known.</summary>
public sealed class RequestRateLimitedException(string detail, TimeSpan? retryAfter) : Exception(detail)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

public static class RequestAuditActions
{
    public const string Create = "request.create";
    public const string Approve = "request.approve";
    public const string Refuse = "request.refuse";
    public const string Expire = "request.expire";
}

/// <summary>
/// Resource requests: checks first (nothing is stored for a bad request), then one write transaction per
/// event holding the change, its audit entry and its e-mails, so none exists without the others.
/// </summary>
public sealed class RequestService(
    RequestStore store,
    MailOutbox outbox,
    MailRecipients recipients,
    RequestMails mails,
    QuotaService quotas,
    AuditLog audit,
    MachineEvents machineEvents,
    IOptions<RequestsOptions> options,
    TimeProvider time)
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public ResourceRequestView Create(Caller caller, CreateRequestBody body)
    {
        var now = time.GetUtcNow();
        var request = RequestValidation.Validate(body, caller, now, options.Value);
        // The directory is asked before the write lock is taken: it is a network call.
        var teachers = recipients.TeachersOf(caller.UserName);
        var created = store.InWriteTransaction((connection, transaction) =>
        {
            Expire(connection, transaction, now);
            EnsureWithinLimits(connection, transaction, caller.UserName, now);
            var vmName = request.MachineId is { } machineId ? OwnedLiveMachine(connection, transaction, caller.UserName, machineId).Name : null;
            var id = RequestStore.Insert(connection, transaction, request);
            var saved = RequestStore.Find(connection, transaction, id)!;
            audit.Record(connection, transaction, caller.UserName, RequestAuditActions.Create, Target(id), AuditOutcomes.Success,
                Describe(saved), caller.Address);
            var requester = MailRecipients.ContactOf(connection, transaction, caller.UserName);
            var (subject, text) = mails.NewRequest(saved, requester, vmName);
            outbox.Enqueue(connection, transaction, teachers
                .Where(teacher => !string.Equals(teacher.Address, requester.Mail?.Address, StringComparison.OrdinalIgnoreCase))
                .Select(teacher => new OutgoingMail(Target(id), teacher.Address, teacher.Name, subject, text)));
            return saved;
        });
        outbox.Wake();
        return created.ToView();
    }

    /// <summary>Approves or refuses; the effect of an approval is in the same transaction as its status.</summary>
    public ResourceRequestView? Decide(Caller caller, long id, bool approve, DecisionBody body)
    {
        var comment = string.IsNullOrWhiteSpace(body.Comment) ? null : body.Comment.Trim();
        if (RequestValidation.TextProblem(comment, RequestValidation.MaxCommentLength, required: !approve) is { } problem)
        {
            throw new InvalidRequestException("comment", approve || comment is not null ? problem : "required: tell the student why");
        }
        var now = time.GetUtcNow();
        RequestedMachine? extended = null;
        var decided = store.InWriteTransaction((connection, transaction) =>
        {
            Expire(connection, transaction, now);
            var request = RequestStore.Find(connection, transaction, id);
            if (request is null || !caller.Sight.Sees(request.Requester))
            {
                return null;
            }
            if (string.Equals(request.Requester, caller.UserName, StringComparison.OrdinalIgnoreCase))
            {
                throw new UnauthorizedAccessException("nobody decides their own request");
            }
            if (request.Status != RequestStatuses.Pending)
            {
                throw new ConflictException($"This request is already {request.Status}", $"Request {id} was {request.Status} and cannot change any more.");
            }
            string? effect = null;
            if (approve)
            {
                (effect, extended) = Apply(connection, transaction, caller, request);
            }
            var status = approve ? RequestStatuses.Approved : RequestStatuses.Refused;
            RequestStore.Decide(connection, transaction, id, status, now, caller.UserName, comment);
            var allowedBy = caller.Sight.ClassAllowing(request.Requester) is { } classId ? $" (class {classId})" : "";
            audit.Record(connection, transaction, caller.UserName, approve ? RequestAuditActions.Approve : RequestAuditActions.Refuse, Target(id),
                AuditOutcomes.Success, $"{request.Requester}: {Describe(request)}{(comment is null ? "" : $"; comment: {comment}")}{allowedBy}", caller.Address);
            var saved = RequestStore.Find(connection, transaction, id)!;
            var requester = MailRecipients.ContactOf(connection, transaction, request.Requester);
            if (requester.Mail is { } address)
            {
                var (subject, text) = mails.Decision(saved, requester, MailRecipients.ContactOf(connection, transaction, caller.UserName), saved.VmName, effect);
                outbox.Enqueue(connection, transaction, [new OutgoingMail(Target(id), address.Address, address.Name, subject, text)]);
            }
            return saved;
        });
        if (decided is null)
        {
            return null;
        }
        outbox.Wake();
        if (extended is not null)
        {
            machineEvents.Publish(new MachineChanged(extended.Id, extended.Owner, extended.State, null, null));
        }
        return decided.ToView();
    }

    /// <summary>The caller's own requests, or with <paramref name="everyone"/> every request they see (teachers: their classes').</summary>
    public IReadOnlyList<ResourceRequestView> List(Caller caller, bool everyone, string? status)
    {
        ExpireOverdue();
        var requests = everyone && caller.Role >= Role.Teacher
            ? store.List(null, status).Where(request => caller.Sight.Sees(request.Requester))
            : store.List(caller.UserName, status);
        return requests.Select(request => request.ToView()).ToList();
    }

    /// <summary>Null when it does not exist or the caller may not see it: both answer 404.</summary>
    public ResourceRequestView? Find(Caller caller, long id)
    {
        ExpireOverdue();
        return store.Find(id) is { } request && caller.Sight.Sees(request.Requester)
            ? request.ToView()
            : null;
    }

    /// <summary>Reads must show a passed end date as expired; the write (and its audit entry) only happens when one is due.</summary>
    private void ExpireOverdue()
    {
        var now = time.GetUtcNow();
        if (store.AnyOverdue(now))
        {
            store.InWriteTransaction((connection, transaction) => Expire(connection, transaction, now));
        }
    }

    private int Expire(IDbConnection connection, IDbTransaction transaction, DateTimeOffset now)
    {
        var expired = RequestStore.ExpireOverdue(connection, transaction, now);
        foreach (var request in expired)
        {
            audit.Record(connection, transaction, Caller.System.UserName, RequestAuditActions.Expire, Target(request.Id), AuditOutcomes.Success,
                $"{request.Requester}: still pending at {request.Until:u}", null);
        }
        return expired.Count;
    }

    private (string? Effect, RequestedMachine? Extended) Apply(IDbConnection connection, IDbTransaction transaction, Caller caller, ResourceRequest request)
    {
        var amount = request.Amount ?? 0;
        if (RequestKinds.IsQuota(request.Kind))
        {
            // From the quota in force now, so the student gets the amount on top of whatever they have today.
            var role = Enum.Parse<Role>(request.RequesterRole, ignoreCase: true);
            var current = quotas.EffectiveFor(connection, transaction, request.Requester, role);
            int Raised(int limit) => (int)Math.Min((long)limit + amount, Quota.MaxLimit);
            var (change, newLimit) = request.Kind switch
            {
                RequestKinds.Vms => (new QuotaChange(Raised(current.MaxVms), null, null, null, Raised(current.MaxRunningVms)), Raised(current.MaxVms)),
                RequestKinds.Cpus => (new QuotaChange(null, Raised(current.MaxCpus), null, null, null), Raised(current.MaxCpus)),
                RequestKinds.MemoryMiB => (new QuotaChange(null, null, Raised(current.MaxMemoryMiB), null, null), Raised(current.MaxMemoryMiB)),
                _ => (new QuotaChange(null, null, null, Raised(current.MaxDiskGiB), null), Raised(current.MaxDiskGiB)),
            };
            quotas.SetOverride(connection, transaction, request.Requester, Target(request.Id), change, request.Until, caller.UserName, $"request {request.Id}");
            audit.Record(connection, transaction, caller.UserName, AuditActions.SetQuota, request.Requester, AuditOutcomes.Success,
                $"{Target(request.Id)}: {change} until {request.Until:O}", caller.Address);
            return (mails.QuotaEffect(request.Kind, newLimit, request.Until), null);
        }
        if (request.Kind == RequestKinds.LifetimeHours)
        {
            var machine = RequestStore.Machine(connection, transaction, request.MachineId!);
            if (machine is not { IsLive: true })
            {
                throw new ConflictException("This VM no longer exists", $"The VM of request {request.Id} was deleted; refuse the request instead.");
            }
            var expiresAt = machine.ExpiresAt.AddHours(amount);
            MachineStore.SetExpiry(connection, transaction, machine.Id, expiresAt);
            audit.Record(connection, transaction, caller.UserName, AuditActions.VmExtend, machine.Id, AuditOutcomes.Success,
                $"until {expiresAt:u} ({Target(request.Id)})", caller.Address);
            return (mails.LifetimeEffect(machine.Name, expiresAt), machine);
        }
        return (null, null);
    }

    private void EnsureWithinLimits(IDbConnection connection, IDbTransaction transaction, string userName, DateTimeOffset now)
    {
        var settings = options.Value;
        if (RequestStore.PendingCount(connection, transaction, userName) >= settings.MaxOpenPerStudent)
        {
            throw new RequestRateLimitedException(
                $"You already have {settings.MaxOpenPerStudent} pending requests; wait for an answer before asking again.", null);
        }
        var today = RequestStore.CreatedSince(connection, transaction, userName, now - Day);
        if (today.Count >= settings.MaxPerDay)
        {
            var freed = today[today.Count - settings.MaxPerDay] + Day;
            throw new RequestRateLimitedException($"At most {settings.MaxPerDay} requests a day; try again later.", freed - now);
        }
    }

    private static RequestedMachine OwnedLiveMachine(IDbConnection connection, IDbTransaction transaction, string userName, string machineId) =>
        RequestStore.Machine(connection, transaction, machineId) is { IsLive: true } machine && machine.Owner == userName
            ? machine
            : throw new InvalidRequestException("vmId", "you have no VM with this id");

    private static string Target(long id) => $"request:{id}";

    private static string Describe(ResourceRequest request) =>
        $"{request.Kind} {request.Amount?.ToString(CultureInfo.InvariantCulture) ?? request.Template}{(request.MachineId is null ? "" : $" for {request.MachineId}")} until {request.Until:O}";
}
