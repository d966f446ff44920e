using System.Globalization;

namespace VmManager.Perf.Harness;

/// <summary>Order statistics by nearest rank: p99 of 100 samples is the 99th smallest, never an interpolation.</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyCollection<double> values, double percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 50);

    /// <summary>Milliseconds with a precision that suits their size.</summary>
    public static string Ms(double milliseconds) => double.IsNaN(milliseconds)
        ? "–"
        : milliseconds < 10 ? milliseconds.ToString("F2", CultureInfo.InvariantCulture) + " ms"
        : milliseconds < 10_000 ? milliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms"
        : (milliseconds / 1000).ToString("F1", CultureInfo.InvariantCulture) + " s";

    public static string Seconds(double seconds) => double.IsNaN(seconds) ? "–" : seconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    public static string Ratio(double value) => double.IsNaN(value) || double.IsInfinity(value) ? "–" : value.ToString("F1", CultureInfo.InvariantCulture) + "×";

    public static string MiB(long kib) => (kib / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    public static string F(double value, int decimals = 1) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
