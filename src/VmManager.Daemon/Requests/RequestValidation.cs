using System.Globalization;
using VmManager.Daemon.Machines;

namespace VmManager.Daemon.Requests;

/// <summary>What POST /api/requests accepts: each problem is reported on its field, and nothing is stored.</summary>
public static class RequestValidation
{
    public const int MaxReasonLength = 2000;
    public const int MaxCommentLength = 2000;
    public const int MaxTemplateLength = 200;

    /// <summary>The request to store, or <see cref="InvalidRequestException"/> naming every bad field.</summary>
    public static ResourceRequest Validate(CreateRequestBody body, Caller caller, DateTimeOffset now, RequestsOptions settings)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = body.Kind?.Trim();
        if (string.IsNullOrEmpty(kind))
        {
            errors["kind"] = ["required"];
        }
        else if (!RequestKinds.All.Contains(kind))
        {
            errors["kind"] = [$"unknown kind; one of {string.Join(", ", RequestKinds.All)}"];
            kind = null;
        }

        if (kind is not null && settings.MaxAmounts.For(kind) is { } max)
        {
            if (body.Amount is not { } amount)
            {
                errors["amount"] = ["required"];
            }
            else if (amount < 1 || amount > max)
            {
                errors["amount"] = [$"between 1 and {max}"];
            }
        }
        else if (kind is not null && body.Amount is not null)
        {
            errors["amount"] = ["a template request has no amount"];
        }

        DateTimeOffset until = default;
        if (string.IsNullOrWhiteSpace(body.Until))
        {
            errors["until"] = ["required"];
        }
        else if (!DateTimeOffset.TryParse(body.Until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out until))
        {
            errors["until"] = ["not a date; use ISO 8601, e.g. 2026-06-30T18:00:00+02:00"];
        }
        else if (until <= now)
        {
            errors["until"] = ["must be in the future"];
        }
        else if (until > now.AddDays(settings.MaxDurationDays))
        {
            errors["until"] = [$"at most {settings.MaxDurationDays} days from now"];
        }

        var reason = body.Reason?.Trim();
        if (TextProblem(reason, MaxReasonLength, required: true) is { } reasonProblem)
        {
            errors["reason"] = [reasonProblem];
        }

        var vmId = string.IsNullOrWhiteSpace(body.VmId) ? null : body.VmId.Trim();
        if (kind == RequestKinds.LifetimeHours && vmId is null)
        {
            errors["vmId"] = ["required: the VM whose lifetime is to be extended"];
        }
        else if (kind is not null && kind != RequestKinds.LifetimeHours && vmId is not null)
        {
            errors["vmId"] = ["only for a lifetimeHours request"];
        }
        else if (vmId is not null && !MachineNames.IsId(vmId))
        {
            errors["vmId"] = ["you have no VM with this id"];
        }

        var template = string.IsNullOrWhiteSpace(body.Template) ? null : body.Template.Trim();
        if (kind == RequestKinds.Template && TextProblem(template, MaxTemplateLength, required: true) is { } templateProblem)
        {
            errors["template"] = [templateProblem];
        }
        else if (kind is not null && kind != RequestKinds.Template && template is not null)
        {
            errors["template"] = ["only for a template request"];
        }

        if (errors.Count > 0)
        {
            throw new InvalidRequestException(errors);
        }
        return new ResourceRequest
        {
            Requester = caller.UserName,
            RequesterRole = caller.Role.ToString().ToLowerInvariant(),
            Kind = kind!,
            Amount = body.Amount is { } value ? (int)value : null,
            MachineId = vmId,
            Template = template,
            Until = until.ToUniversalTime(),
            Reason = reason!,
            Status = RequestStatuses.Pending,
            CreatedAt = now,
        };
    }

    /// <summary>Free text goes into e-mails and the audit log: bounded, and no control characters except line breaks and tabs.</summary>
    public static string? TextProblem(string? text, int maxLength, bool required) => text switch
    {
        null or "" => required ? "required" : null,
        { Length: var length } when length > maxLength => $"at most {maxLength} characters",
        _ when text.Any(character => char.IsControl(character) && character is not ('\n' or '\r' or '\t')) => "must not contain control characters",
        _ => null,
    };
}
