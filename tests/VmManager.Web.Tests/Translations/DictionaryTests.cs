using System.Text.RegularExpressions;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Web.Tests.Translations;

/// <summary>The French and English dictionaries (wwwroot/js/i18n): one key per line, the same keys, the same placeholders.</summary>
public sealed partial class DictionaryTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "src", "VmManager.Web", "wwwroot", "js", "i18n");

    [Fact]
    public void Dictionaries_FrenchAndEnglish_HaveTheSameKeysInTheSameOrder()
    {
        var french = Read("fr");
        var english = Read("en");

        Assert.Equal(french.Keys, english.Keys);
        Assert.Empty(french.Keys.Except(english.Keys));
    }

    [Fact]
    public void Dictionaries_EveryEntry_IsOneKeyPerLineWithoutDuplicates()
    {
        foreach (var language in new[] { "fr", "en" })
        {
            var keys = Read(language).Keys;
            Assert.True(keys.Count > 100, $"{language}: only {keys.Count} keys read");
            Assert.Equal(keys.Count, keys.Distinct().Count());
        }
    }

    [Fact]
    public void Dictionaries_EveryTranslation_KeepsThePlaceholdersOfTheFrench()
    {
        var english = Read("en");
        var mismatched = Read("fr")
            .Where(pair => !Placeholders(pair.Value).SetEquals(Placeholders(english[pair.Key])))
            .Select(pair => $"{pair.Key}: {pair.Value} / {english[pair.Key]}")
            .ToList();

        Assert.True(mismatched.Count == 0, string.Join('\n', mismatched));
    }

    /// <summary>The entries in file order; any line inside the object that is not one whole entry fails.</summary>
    private static Dictionary<string, string> Read(string language)
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
            Assert.True(entries.TryAdd(match.Groups["key"].Value, match.Groups["value"].Value), $"{language}.js: {match.Groups["key"].Value} twice");
        }
        return entries;
    }

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(match => match.Value)];

    [GeneratedRegex("""^  '(?<key>[\w.-]+)': "(?<value>(?:[^"\\]|\\.)*)",$""")]
    private static partial Regex Entry();

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholder();
}
