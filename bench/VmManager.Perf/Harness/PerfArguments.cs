using System.Globalization;

namespace VmManager.Perf.Harness;

/// <summary>The command line: benchmark names, --smoke, and "--name value" options.</summary>
public sealed class PerfArguments(string[] args)
{
    public bool Smoke { get; } = args.Contains("--smoke");

    public IReadOnlyList<string> Benchmarks { get; } = Positional(args);

    public string? Option(string name) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;

    public bool Flag(string name) => args.Contains(name);

    public int Int(string name, int full, int smoke) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : Smoke ? smoke : full;

    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> full, IReadOnlyList<int> smoke) => Option(name) is { } value
        ? value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList()
        : Smoke ? smoke : full;

    /// <summary>How to run one benchmark as this run did, for the report's command column.</summary>
    public string CommandFor(string benchmark, string extra = "") =>
        $"dotnet run -c Release --project bench/VmManager.Perf -- {benchmark}{(Smoke ? " --smoke" : "")}{(extra.Length > 0 ? " " + extra : "")}";

    private static List<string> Positional(string[] args)
    {
        var names = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                i += args[i] is "--smoke" or "--no-baseline" or "--no-r2r" ? 0 : 1;
                continue;
            }
            names.Add(args[i]);
        }
        return names;
    }
}
