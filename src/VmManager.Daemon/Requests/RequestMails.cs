using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Hosting;

namespace VmManager.Daemon.Requests;

/// <summary>
/// The e-mails' words, in Requests:Language. Plain text only: whatever a student types (HTML, script)
/// reaches the reader as the characters typed, never as markup. Links point at Server:PublicOrigin, or at
/// Server:Url when no public origin is configured (then they only work on the server itself).
/// </summary>
public sealed class RequestMails(IOptions<RequestsOptions> options, IOptions<ServerOptions> server)
{
    private bool French => options.Value.Language != "en";

    private CultureInfo Culture => options.Value.Culture;

    private string Origin => (server.Value.PublicOrigin is { Length: > 0 } origin ? origin : server.Value.Url).TrimEnd('/');

    public string TeacherLink(long requestId) => $"{Origin}/#/teacher?request={requestId}";

    public string StudentLink(long requestId) => $"{Origin}/#/requests?request={requestId}";

    public string VmLink(string machineId) => $"{Origin}/#/vms?vm={Uri.EscapeDataString(machineId)}";

    public (string Subject, string Body) NewRequest(ResourceRequest request, Contact requester, string? vmName)
    {
        var what = What(request, vmName);
        var subject = French
            ? $"[VmManager] Demande n° {request.Id} de {requester.DisplayName} : {what}"
            : $"[VmManager] Request #{request.Id} from {requester.DisplayName}: {what}";
        var body = new StringBuilder();
        if (French)
        {
            body.Append(CultureInfo.InvariantCulture, $"Bonjour,\n\n{requester.DisplayName} ({requester.UserName}) demande des ressources dans VmManager.\n\n")
                .Append(CultureInfo.InvariantCulture, $"Demande n° {request.Id}\nQuoi : {what}\nJusqu'au : {Date(request.Until)}\nMotif :\n{request.Reason}\n\n")
                .Append(CultureInfo.InvariantCulture, $"Pour l'accepter ou la refuser, ouvrez-la dans VmManager :\n{TeacherLink(request.Id)}\n\n")
                .Append("Ce message ne permet aucune action : répondre ne change rien à la demande.\n");
        }
        else
        {
            body.Append(CultureInfo.InvariantCulture, $"Hello,\n\n{requester.DisplayName} ({requester.UserName}) asks for resources in VmManager.\n\n")
                .Append(CultureInfo.InvariantCulture, $"Request #{request.Id}\nWhat: {what}\nUntil: {Date(request.Until)}\nReason:\n{request.Reason}\n\n")
                .Append(CultureInfo.InvariantCulture, $"To approve or refuse it, open it in VmManager:\n{TeacherLink(request.Id)}\n\n")
                .Append("Nothing can be done from this message: replying does not change the request.\n");
        }
        return (Clean(subject), Signed(body));
    }

    /// <summary><paramref name="effect"/> says what changed (a new limit, a new expiry), null for a refusal or a template.</summary>
    public (string Subject, string Body) Decision(ResourceRequest request, Contact requester, Contact decider, string? vmName, string? effect)
    {
        var approved = request.Status == RequestStatuses.Approved;
        var what = What(request, vmName);
        var subject = French
            ? $"[VmManager] Votre demande n° {request.Id} est {(approved ? "acceptée" : "refusée")} : {what}"
            : $"[VmManager] Your request #{request.Id} was {(approved ? "approved" : "refused")}: {what}";
        var body = new StringBuilder();
        if (French)
        {
            body.Append(CultureInfo.InvariantCulture, $"Bonjour {requester.DisplayName},\n\n")
                .Append(CultureInfo.InvariantCulture, $"{decider.DisplayName} a {(approved ? "accepté" : "refusé")} votre demande n° {request.Id} ({what} jusqu'au {Date(request.Until)}).\n");
            if (effect is not null)
            {
                body.Append(effect).Append('\n');
            }
            else if (approved && request.Kind == RequestKinds.Template)
            {
                body.Append("Un administrateur va mettre ce modèle à votre disposition.\n");
            }
            if (!string.IsNullOrWhiteSpace(request.Comment))
            {
                body.Append(CultureInfo.InvariantCulture, $"\nCommentaire :\n{request.Comment}\n");
            }
            body.Append(CultureInfo.InvariantCulture, $"\nVoir la demande dans VmManager :\n{StudentLink(request.Id)}\n");
        }
        else
        {
            body.Append(CultureInfo.InvariantCulture, $"Hello {requester.DisplayName},\n\n")
                .Append(CultureInfo.InvariantCulture, $"{decider.DisplayName} {(approved ? "approved" : "refused")} your request #{request.Id} ({what} until {Date(request.Until)}).\n");
            if (effect is not null)
            {
                body.Append(effect).Append('\n');
            }
            else if (approved && request.Kind == RequestKinds.Template)
            {
                body.Append("An administrator will make this template available to you.\n");
            }
            if (!string.IsNullOrWhiteSpace(request.Comment))
            {
                body.Append(CultureInfo.InvariantCulture, $"\nComment:\n{request.Comment}\n");
            }
            body.Append(CultureInfo.InvariantCulture, $"\nSee the request in VmManager:\n{StudentLink(request.Id)}\n");
        }
        return (Clean(subject), Signed(body));
    }

    public string QuotaEffect(string kind, int newLimit, DateTimeOffset until) => (French, kind) switch
    {
        (true, RequestKinds.Vms) => $"Vous pouvez maintenant avoir {newLimit} VM jusqu'au {Date(until)}.",
        (true, RequestKinds.Cpus) => $"Votre quota est maintenant de {newLimit} vCPU jusqu'au {Date(until)}.",
        (true, RequestKinds.MemoryMiB) => $"Votre quota est maintenant de {newLimit} Mio de mémoire jusqu'au {Date(until)}.",
        (true, _) => $"Votre quota est maintenant de {newLimit} Gio de disque jusqu'au {Date(until)}.",
        (false, RequestKinds.Vms) => $"You may now have {newLimit} VMs until {Date(until)}.",
        (false, RequestKinds.Cpus) => $"Your quota is now {newLimit} vCPUs until {Date(until)}.",
        (false, RequestKinds.MemoryMiB) => $"Your quota is now {newLimit} MiB of memory until {Date(until)}.",
        _ => $"Your quota is now {newLimit} GiB of disk until {Date(until)}.",
    };

    public string LifetimeEffect(string vmName, DateTimeOffset expiresAt) => French
        ? $"Votre VM « {vmName} » expire maintenant le {Date(expiresAt)}."
        : $"Your VM “{vmName}” now expires on {Date(expiresAt)}.";

    public (string Subject, string Body) LeaseWarning(Contact owner, string machineId, string vmName, DateTimeOffset expiresAt, TimeSpan left)
    {
        var remaining = left >= TimeSpan.FromHours(1) ? $"{(int)left.TotalHours} h" : $"{Math.Max(1, (int)left.TotalMinutes)} min";
        return French
            ? (Clean($"[VmManager] Votre VM « {vmName} » sera supprimée dans {remaining}"), Signed(new StringBuilder(
                $"Bonjour {owner.DisplayName},\n\nVotre VM « {vmName} » expire le {Date(expiresAt)}, dans {remaining} : elle sera alors supprimée avec ses disques.\n\n" +
                $"Pour la garder plus longtemps, prolongez-la dans VmManager :\n{VmLink(machineId)}\n")))
            : (Clean($"[VmManager] Your VM “{vmName}” will be deleted in {remaining}"), Signed(new StringBuilder(
                $"Hello {owner.DisplayName},\n\nYour VM “{vmName}” expires on {Date(expiresAt)}, in {remaining}: it will then be deleted with its disks.\n\n" +
                $"To keep it longer, extend it in VmManager:\n{VmLink(machineId)}\n")));
    }

    private string What(ResourceRequest request, string? vmName) => (French, request.Kind) switch
    {
        (_, RequestKinds.Vms) => $"+{request.Amount} VM",
        (_, RequestKinds.Cpus) => $"+{request.Amount} vCPU",
        (true, RequestKinds.MemoryMiB) => $"+{request.Amount} Mio de mémoire",
        (false, RequestKinds.MemoryMiB) => $"+{request.Amount} MiB of memory",
        (true, RequestKinds.DiskGiB) => $"+{request.Amount} Gio de disque",
        (false, RequestKinds.DiskGiB) => $"+{request.Amount} GiB of disk",
        (true, RequestKinds.LifetimeHours) => $"+{request.Amount} h pour la VM « {vmName ?? request.MachineId} »",
        (false, RequestKinds.LifetimeHours) => $"+{request.Amount} h for VM “{vmName ?? request.MachineId}”",
        (true, _) => $"le modèle « {request.Template} »",
        _ => $"template “{request.Template}”",
    };

    /// <summary>In the server's time zone, with its offset so nobody has to guess.</summary>
    private string Date(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, TimeZoneInfo.Local).ToString(French ? "dddd d MMMM yyyy 'à' HH:mm (zzz)" : "dddd d MMMM yyyy 'at' HH:mm (zzz)", Culture);

    /// <summary>Names and VM names come from users: no line break may reach a header.</summary>
    private static string Clean(string subject) => new(subject.Select(character => char.IsControl(character) ? ' ' : character).ToArray());

    private static string Signed(StringBuilder body) => body.Append("\n-- \nVmManager\n").ToString();
}
