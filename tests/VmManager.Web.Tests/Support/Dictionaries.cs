using System.Text.RegularExpressions;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Support;

/// <summary>The UI's dictionaries (wwwroot/js/i18n/fr.js, en.js) as the tests read them: one entry per line.</summary>
public static partial class Dictionaries
{
    private static readonly string Folder = Path.Combine(Repository.Root, "src", "VmManager.Web", "wwwroot", "js", "i18n");

    /// <summary>The entries in file order; any line inside the object that is not one whole entry fails.</summary>
    public static Dictionary<string, string> Read(string language)
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, $"{language}.js"));
        var start = Array.IndexOf(lines, "export default {");
        var end = Array.IndexOf(lines, "};");
        Assert.True(start >= 0 && end > start, $"{language}.js: no 'export default {{' … '}};' block");
        var entries = new Dictionary<string, string>();
        foreach (var line in lines[(start + 1)..end])
        {
            var match = Entry().Match(line);
            Assert.True(match.Success, $"{language}.js: not one key per line: {line}");
            Assert.True(entries.TryAdd(match.Groups["key"].Value, Regex.Unescape(match.Groups["value"].Value)), $"{language}.js: {match.Groups["key"].Value} twice");
        }
        return entries;
    }

    public static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(match => match.Value)];

    /// <summary>
    /// The English texts that would betray an untranslated string on a French page: each English entry
    /// that differs from its French one, cut at its placeholders, keeping pieces of 4 letters or more
    /// that no French entry also uses ("Page", "Quota", "Console" are French too).
    /// </summary>
    public static IReadOnlyList<string> EnglishOnlyPieces()
    {
        var french = Read("fr");
        var frenchText = string.Join('\n', french.Values);
        return [.. Read("en")
            .Where(pair => pair.Value != french[pair.Key])
            .SelectMany(pair => Placeholder().Split(pair.Value))
            .Select(piece => piece.Trim(' ', ':', ',', '.', '(', ')', '—', '·', '“', '”', '?', '…'))
            .Where(piece => piece.Count(char.IsLetter) >= 4 && !frenchText.Contains(piece, StringComparison.Ordinal))
            .Distinct()];
    }

    [GeneratedRegex("""^  '(?<key>[\w.-]+)': "(?<value>(?:[^"\\]|\\.)*)",$""")]
    private static partial Regex Entry();

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholder();
}
