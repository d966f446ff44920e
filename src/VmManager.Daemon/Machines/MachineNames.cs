using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VmManager.Daemon.Machines;

/// <summary>What a VM name, a VM id and a user's folder may be: nothing here can escape a path or a command line.</summary>
public static partial class MachineNames
{
    public const int MaxNameLength = 32;
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Lower-case letters, digits and inner hyphens, like a host name: safe everywhere it goes.</summary>
    public static string? NameProblem(string? name) => name switch
    {
        null or "" => "required",
        { Length: > MaxNameLength } => $"at most {MaxNameLength} characters",
        _ when !ValidName().IsMatch(name) => "use lower-case letters, digits and hyphens (not at the start or end)",
        _ => null,
    };

    public static string NewId() => string.Create(10, 0, static (chars, _) =>
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = IdAlphabet[random[i] & 31];
        }
    });

    public static bool IsId(string? id) => id is { Length: 10 } && id.All(IdAlphabet.Contains);

    /// <summary>
    /// The user's folder under student_vms: the user name itself when it is plain ASCII, otherwise a
    /// stable hash (directory user names may hold any character, which must never reach a path).
    /// </summary>
    public static string UserFolder(string userName) => SafeUserFolder().IsMatch(userName)
        ? userName
        : "u-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userName)))[..16];

    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\z")]
    private static partial Regex ValidName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,63}\z")]
    private static partial Regex SafeUserFolder();
}
