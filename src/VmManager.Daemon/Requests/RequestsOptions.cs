using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace VmManager.Daemon.Requests;

/// <summary>The most one request may ask for, per kind.</summary>
public sealed class RequestAmounts
{
    public int Vms { get; set; } = 3;

    public int Cpus { get; set; } = 8;

    public int MemoryMiB { get; set; } = 16384;

    public int DiskGiB { get; set; } = 200;

    public int LifetimeHours { get; set; } = 168;

    public int? For(string kind) => kind switch
    {
        RequestKinds.Vms => Vms,
        RequestKinds.Cpus => Cpus,
        RequestKinds.MemoryMiB => MemoryMiB,
        RequestKinds.DiskGiB => DiskGiB,
        RequestKinds.LifetimeHours => LifetimeHours,
        _ => null,
    };
}

public sealed partial class RequestsOptions
{
    public const string Section = "Requests";

    /// <summary>Always told of new requests, besides the teachers of the student's classes (e.g. a shared mailbox).</summary>
    /// <remarks>No default values: the configuration binder appends to an initialised array instead of replacing it.</remarks>
    public string[] NotifyAddresses { get; set; } = [];

    /// <summary>
    /// Who is told of a request from someone in no class: e-mail addresses and/or "admins" (local admins with an
    /// address and, with LDAP, the members of Ldap:AdminGroups); default "admins". Only admins may answer it.
    /// </summary>
    public string[] NoClassRecipients { get; set; } = [];

    public const string Admins = "admins";

    public IReadOnlyList<string> EffectiveNoClassRecipients => NoClassRecipients.Length > 0 ? NoClassRecipients : [Admins];

    /// <summary>"fr" or "en": the language of every e-mail.</summary>
    public string Language { get; set; } = "fr";

    public int MaxOpenPerStudent { get; set; } = 5;

    public int MaxPerDay { get; set; } = 10;

    /// <summary>How far ahead a request's end date may be.</summary>
    public int MaxDurationDays { get; set; } = 120;

    public RequestAmounts MaxAmounts { get; set; } = new();

    /// <summary>
    /// How long before a VM's expiry its owner is warned, as "hours:minutes:seconds" or "days.hours:minutes:seconds"
    /// (default 24 h and 1 h). Text, not TimeSpan: .NET reads "24:00:00" as 24 days.
    /// </summary>
    /// <remarks>No default values: the configuration binder appends to an initialised array instead of replacing it.</remarks>
    public string[] LeaseWarnings { get; set; } = [];

    public int LeaseWarningScanSeconds { get; set; } = 60;

    public IReadOnlyList<TimeSpan> EffectiveLeaseWarnings =>
        (LeaseWarnings.Length > 0 ? LeaseWarnings.Select(warning => ParseDuration(warning) ?? TimeSpan.Zero) : [TimeSpan.FromHours(24), TimeSpan.FromHours(1)])
            .Distinct().OrderDescending().ToList();

    /// <summary>[days.]hours:minutes[:seconds], hours not limited to 23; null when not in that form.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }
        int Part(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(Part(1), Part(2), Part(3), Part(4));
    }

    [GeneratedRegex(@"^(?:(\d{1,3})\.)?(\d{1,4}):([0-5]\d)(?::([0-5]\d))?$")]
    private static partial Regex DurationPattern();

    public CultureInfo Culture => CultureInfo.GetCultureInfo(Language == "en" ? "en-GB" : "fr-FR");
}

public sealed class RequestsOptionsValidator : IValidateOptions<RequestsOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestsOptions options)
    {
        var badAddress = options.NotifyAddresses.FirstOrDefault(address => !MailAddress.TryCreate(address, out _));
        var badFallback = options.NoClassRecipients.FirstOrDefault(entry => entry != RequestsOptions.Admins && !MailAddress.TryCreate(entry, out _));
        string? problem = options switch
        {
            _ when badAddress is not null => $"Requests:NotifyAddresses: '{badAddress}' is not an e-mail address",
            _ when badFallback is not null => $"Requests:NoClassRecipients: '{badFallback}' is neither an e-mail address nor \"admins\"",
            { Language: not ("fr" or "en") } => $"Requests:Language: '{options.Language}' is not fr or en",
            { MaxOpenPerStudent: < 1 or > 1000 } => "Requests:MaxOpenPerStudent: must be between 1 and 1000",
            { MaxPerDay: < 1 or > 10000 } => "Requests:MaxPerDay: must be between 1 and 10000",
            { MaxDurationDays: < 1 or > 3660 } => "Requests:MaxDurationDays: must be between 1 and 3660",
            { LeaseWarningScanSeconds: < 1 or > 3600 } => "Requests:LeaseWarningScanSeconds: must be between 1 and 3600",
            _ when options.LeaseWarnings.FirstOrDefault(warning => RequestsOptions.ParseDuration(warning) is not { } duration
                    || duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(30)) is { } badWarning =>
                $"Requests:LeaseWarnings: '{badWarning}' is not a duration between 0:00:01 and 720:00:00 (hours:minutes:seconds, e.g. 24:00:00)",
            _ => null,
        };
        problem ??= RequestKinds.WithAmount
            .Where(kind => options.MaxAmounts.For(kind) is < 1 or > Accounts.Quota.MaxLimit)
            .Select(kind => $"Requests:MaxAmounts:{char.ToUpperInvariant(kind[0])}{kind[1..]}: must be between 1 and {Accounts.Quota.MaxLimit}")
            .FirstOrDefault();
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
