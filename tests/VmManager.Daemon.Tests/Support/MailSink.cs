using System.Text;

namespace VmManager.Daemon.Tests.Support;

public sealed record ReceivedMail(string From, string To, string Subject, string Body, string Raw);

/// <summary>Reads what the rig's SMTP sink stored in its Maildir (one file per message in new/).</summary>
public static class MailSink
{
    public static async Task<ReceivedMail> WaitForAsync(RigFixture rig, Func<ReceivedMail, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = All(rig).FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }
            Assert.True(DateTime.UtcNow < deadline, "the expected mail did not reach the SMTP sink");
            await Task.Delay(100);
        }
    }

    public static IReadOnlyList<ReceivedMail> All(RigFixture rig) => AllIn(rig["SMTP_MAILDIR"]);

    /// <summary>The mails of another Maildir, e.g. a test's own sink.</summary>
    public static IReadOnlyList<ReceivedMail> AllIn(string maildir)
    {
        var folder = Path.Combine(maildir, "new");
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Select(file => Parse(File.ReadAllText(file, Encoding.UTF8))).ToList()
            : [];
    }

    private static ReceivedMail Parse(string raw)
    {
        var split = raw.ReplaceLineEndings("\n").Split("\n\n", 2);
        var headers = Unfold(split[0]);
        string Header(string name) => headers.TryGetValue(name, out var value) ? value : "";
        var body = split.Length > 1 ? split[1] : "";
        if (Header("Content-Transfer-Encoding").Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            body = Encoding.UTF8.GetString(Convert.FromBase64String(body.Replace("\n", "", StringComparison.Ordinal)));
        }
        else if (Header("Content-Transfer-Encoding").Equals("quoted-printable", StringComparison.OrdinalIgnoreCase))
        {
            body = Encoding.UTF8.GetString(DecodeQuoted(body.Replace("=\n", "", StringComparison.Ordinal), underscoreIsSpace: false));
        }
        return new ReceivedMail(DecodeWords(Header("From")), DecodeWords(Header("To")), DecodeWords(Header("Subject")), body, raw);
    }

    private static Dictionary<string, string> Unfold(string headerBlock)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        foreach (var line in headerBlock.Split('\n'))
        {
            if (line.StartsWith(' ') || line.StartsWith('\t'))
            {
                if (last is not null)
                {
                    // Unfolding removes the line break only (RFC 5322 2.2.3): the white space stays.
                    headers[last] += line;
                }
            }
            else if (line.Split(':', 2) is [var name, var value])
            {
                last = name.Trim();
                headers[last] = value.Trim();
            }
        }
        return headers;
    }

    /// <summary>
    /// RFC 2047 encoded words, as MailKit writes them for non-ASCII subjects and names: white space between
    /// two encoded words is dropped, white space next to plain words is kept.
    /// </summary>
    private static string DecodeWords(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?", match =>
        {
            var encoding = Encoding.GetEncoding(match.Groups[1].Value);
            var text = match.Groups[3].Value;
            var bytes = match.Groups[2].Value is "B" or "b"
                ? Convert.FromBase64String(text)
                : DecodeQuoted(text, underscoreIsSpace: true);
            return encoding.GetString(bytes);
        });

    private static byte[] DecodeQuoted(string text, bool underscoreIsSpace)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length)
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(underscoreIsSpace && text[i] == '_' ? [(byte)' '] : Encoding.UTF8.GetBytes(text[i].ToString()));
            }
        }
        return [.. bytes];
    }
}
