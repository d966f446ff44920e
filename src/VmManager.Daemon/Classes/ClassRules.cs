using System.Text.RegularExpressions;

namespace VmManager.Daemon.Classes;

/// <summary>What a local class's id and name must be; each check returns the problem or null.</summary>
public static partial class ClassRules
{
    public const int MaxDisplayNameLength = 200;

    public static string? IdProblem(string? id) => id is null || id.Length == 0 ? "required"
        : Id().IsMatch(id) ? null : "must be 1 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static string? DisplayNameProblem(string? name) => name switch
    {
        null or { Length: 0 } => "required",
        { Length: > MaxDisplayNameLength } => $"at most {MaxDisplayNameLength} characters",
        _ when name.Any(char.IsControl) => "must be a single line",
        _ => null,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Id();
}
