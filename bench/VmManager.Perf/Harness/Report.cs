namespace VmManager.Perf.Harness;

/// <summary>One line of the closing table: a measure, its baseline and target, and how to reproduce it.</summary>
public sealed record SummaryRow(string Section, string Measure, string Value, string Baseline, string Ratio, string Target, string Command);

/// <summary>Markdown on stdout as the run goes, and the closing one-run table.</summary>
public sealed class Report(TextWriter output)
{
    private readonly List<SummaryRow> _summary = [];

    public IReadOnlyList<SummaryRow> Summary => _summary;

    public void Heading(string text)
    {
        output.WriteLine();
        output.WriteLine(text);
        output.WriteLine();
        output.Flush();
    }

    public void Line(string text)
    {
        output.WriteLine(text);
        output.Flush();
    }

    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        // Markdown only starts a table after a blank line when a list precedes it.
        output.WriteLine();
        output.WriteLine($"| {string.Join(" | ", header)} |");
        output.WriteLine($"|{string.Concat(header.Select(_ => "---|"))}");
        foreach (var row in rows)
        {
            output.WriteLine($"| {string.Join(" | ", row)} |");
        }
        output.WriteLine();
        output.Flush();
    }

    public void Add(SummaryRow row) => _summary.Add(row);

    public void WriteSummary()
    {
        Heading("## Summary (this run)");
        Table(["section", "measure", "vm-manager", "baseline", "ratio", "target", "command"],
            _summary.Select(row => (IReadOnlyList<string>)[row.Section, row.Measure, row.Value, row.Baseline, row.Ratio, row.Target, $"`{row.Command}`"]));
    }
}
