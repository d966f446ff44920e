using System.Text;
using System.Text.RegularExpressions;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Accounts;

/// <summary>
/// The rig's slapd logs every operation (loglevel stats): reading what it appended since a point shows
/// which binds the daemon really made, e.g. that an unknown user costs a bind like a wrong password does.
/// </summary>
public sealed partial class SlapdLog(RigFixture rig)
{
    private readonly string _path = Path.Combine(rig["RIG"], "logs", "slapd.log");
    private long _start = new FileInfo(Path.Combine(rig["RIG"], "logs", "slapd.log")).Length;

    /// <summary>Forget what was logged so far.</summary>
    public void Mark() => _start = new FileInfo(_path).Length;

    /// <summary>The result codes of the binds as <paramref name="dn"/> logged since the mark (49: invalid credentials).</summary>
    public IReadOnlyList<int> BindResults(string dn)
    {
        var text = Appended();
        var results = new List<int>();
        foreach (Match bind in BindLine().Matches(text))
        {
            if (!string.Equals(bind.Groups["dn"].Value, dn, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var result = Regex.Match(text[bind.Index..], $@"{Regex.Escape(bind.Groups["op"].Value)} RESULT tag=97 err=(\d+)");
            if (result.Success)
            {
                results.Add(int.Parse(result.Groups[1].Value));
            }
        }
        return results;
    }

    /// <summary>Waits (slapd writes asynchronously) until a bind as <paramref name="dn"/> has a result; returns the codes.</summary>
    public async Task<IReadOnlyList<int>> WaitForBindAsync(string dn)
    {
        for (var i = 0; i < 100; i++)
        {
            if (BindResults(dn) is { Count: > 0 } results)
            {
                return results;
            }
            await Task.Delay(100);
        }
        return [];
    }

    private string Appended()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"(?<op>conn=\d+ op=\d+) BIND dn=""(?<dn>[^""]*)"" method=128")]
    private static partial Regex BindLine();
}
