using System.Text.RegularExpressions;

namespace VmManager.Daemon.Accounts;

/// <summary>What a local account's name and password must be; each check returns the problem or null.</summary>
public static partial class LocalAccountRules
{
    public const int MinPasswordLength = 10;

    /// <summary>A local name becomes a folder under student_vms/ and part of libvirt names: plain ASCII.</summary>
    public static string? UserNameProblem(string userName) =>
        UserName().IsMatch(userName) ? null : "must be 1 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static string? PasswordProblem(string userName, string password)
    {
        if (password.Length < MinPasswordLength)
        {
            return $"is too short (at least {MinPasswordLength} characters)";
        }
        if (password.Length > Authenticator.MaxPasswordLength)
        {
            return $"is too long (at most {Authenticator.MaxPasswordLength} characters)";
        }
        if (password.Contains(userName, StringComparison.OrdinalIgnoreCase))
        {
            return "must not contain the user name";
        }
        var classes = new[] { password.Any(char.IsLower), password.Any(char.IsUpper), password.Any(char.IsDigit), password.Any(c => !char.IsLetterOrDigit(c)) };
        return classes.Count(present => present) >= 3
            ? null
            : "is too weak (use at least three of: lower case, upper case, digits, other characters)";
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex UserName();
}
