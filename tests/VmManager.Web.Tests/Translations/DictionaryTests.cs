using VmManager.Web.Tests.Support;

namespace VmManager.Web.Tests.Translations;

/// <summary>The French and English dictionaries (wwwroot/js/i18n): one key per line, the same keys, the same placeholders.</summary>
public sealed class DictionaryTests
{
    [Fact]
    public void Dictionaries_FrenchAndEnglish_HaveTheSameKeysInTheSameOrder()
    {
        var french = Dictionaries.Read("fr");
        var english = Dictionaries.Read("en");

        Assert.True(french.Count > 100, $"only {french.Count} French keys read");
        Assert.Equal(french.Keys, english.Keys);
    }

    [Fact]
    public void Dictionaries_EveryTranslation_KeepsThePlaceholdersOfTheFrench()
    {
        var english = Dictionaries.Read("en");
        var mismatched = Dictionaries.Read("fr")
            .Where(pair => !Dictionaries.Placeholders(pair.Value).SetEquals(Dictionaries.Placeholders(english[pair.Key])))
            .Select(pair => $"{pair.Key}: {pair.Value} / {english[pair.Key]}")
            .ToList();

        Assert.True(mismatched.Count == 0, string.Join('\n', mismatched));
    }
}
