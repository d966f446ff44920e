using System.Text;

namespace VmManager.Daemon.Accounts;

/// <summary>RFC 4515 escaping of values placed in a search filter; System.DirectoryServices.Protocols has none.</summary>
public static class LdapFilter
{
    public static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var character in value)
        {
            _ = character switch
            {
                '\\' => escaped.Append(@"\5c"),
                '*' => escaped.Append(@"\2a"),
                '(' => escaped.Append(@"\28"),
                ')' => escaped.Append(@"\29"),
                '\0' => escaped.Append(@"\00"),
                _ => escaped.Append(character),
            };
        }
        return escaped.ToString();
    }
}
