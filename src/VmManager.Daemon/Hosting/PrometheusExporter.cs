using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// Aggregates what the "VmManager" meter records (a <see cref="MeterListener"/>; OpenTelemetry's
/// exporter is not in this registry) and renders it in the Prometheus text format 0.0.4.
/// Names follow the OpenTelemetry conversion: dots become underscores, unit "s" adds "_seconds",
/// counters end in "_total". Measurements are only seen once this object exists.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    // Prometheus' own client defaults, for histograms that give no bucket advice.
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentSeries> _instruments = new();
    private readonly Lock _scrape = new();
    private readonly ILogger<PrometheusExporter> _logger;

    public PrometheusExporter(VmManagerMetrics metrics, ILogger<PrometheusExporter> logger)
    {
        _logger = logger;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                var series = new InstrumentSeries(instrument);
                _instruments[instrument] = series;
                listener.EnableMeasurementEvents(instrument, series);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentSeries? _);
        Listen<byte>();
        Listen<short>();
        Listen<int>();
        Listen<long>();
        Listen<float>();
        Listen<double>();
        Listen<decimal>();
        _listener.Start();
    }

    /// <summary>Runs the gauges' callbacks, then writes every instrument, sorted by name.</summary>
    public string Render()
    {
        lock (_scrape)
        {
            foreach (var series in _instruments.Values.Where(series => series.IsObservable))
            {
                series.Clear();
            }
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException ex)
            {
                // One failing callback (say, the database is locked) must not cost the whole scrape.
                foreach (var inner in ex.InnerExceptions)
                {
                    _logger.LogWarning("A metrics callback failed, its series are missing from this scrape: {Error}", inner.Message);
                }
            }
            var text = new StringBuilder();
            foreach (var series in _instruments.Values.OrderBy(series => series.Name, StringComparer.Ordinal))
            {
                series.WriteTo(text);
            }
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Listen<T>() where T : struct, INumberBase<T> =>
        _listener.SetMeasurementEventCallback<T>((_, value, tags, state) => ((InstrumentSeries)state!).Record(double.CreateTruncating(value), tags));

    internal static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    /// <summary>One instrument's series, keyed by their rendered label set.</summary>
    private sealed class InstrumentSeries
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly Kind _kind;
        private readonly bool _adds;
        private readonly double[] _buckets = [];
        private readonly string _help;

        public InstrumentSeries(Instrument instrument)
        {
            var type = instrument.GetType().GetGenericTypeDefinition();
            (_kind, _adds) = type switch
            {
                _ when type == typeof(Counter<>) => (Kind.Counter, true),
                _ when type == typeof(ObservableCounter<>) => (Kind.Counter, false),
                _ when type == typeof(UpDownCounter<>) => (Kind.Gauge, true),
                _ when type == typeof(Histogram<>) => (Kind.Histogram, true),
                _ => (Kind.Gauge, false),
            };
            IsObservable = instrument.IsObservable;
            if (_kind == Kind.Histogram)
            {
                _buckets = BucketsOf(instrument) ?? DefaultBuckets;
            }
            Name = NameOf(instrument, _kind);
            _help = (instrument.Description ?? instrument.Name).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        }

        public string Name { get; }

        public bool IsObservable { get; }

        public void Clear() => _series.Clear();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.GetOrAdd(Labels(tags), _ => new Series(_buckets.Length));
            lock (series)
            {
                if (_kind == Kind.Histogram)
                {
                    var bucket = Array.FindIndex(_buckets, bound => value <= bound);
                    series.BucketCounts[bucket < 0 ? _buckets.Length : bucket]++;
                    series.Count++;
                    series.Value += value;
                }
                else
                {
                    series.Value = _adds ? series.Value + value : value;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            var type = _kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" };
            text.Append("# HELP ").Append(Name).Append(' ').Append(_help).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (_kind == Kind.Histogram)
                    {
                        WriteHistogram(text, labels, series);
                    }
                    else
                    {
                        Sample(text, Name, labels, series.Value);
                    }
                }
            }
        }

        private void WriteHistogram(StringBuilder text, string labels, Series series)
        {
            var separator = labels.Length > 0 ? "," : "";
            long cumulative = 0;
            for (var i = 0; i <= _buckets.Length; i++)
            {
                cumulative += series.BucketCounts[i];
                var bound = i < _buckets.Length ? Format(_buckets[i]) : "+Inf";
                Sample(text, Name + "_bucket", $"{labels}{separator}le=\"{bound}\"", cumulative);
            }
            Sample(text, Name + "_sum", labels, series.Value);
            Sample(text, Name + "_count", labels, series.Count);
        }

        private static void Sample(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }
            text.Append(' ').Append(Format(value)).Append('\n');
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                return "";
            }
            var sorted = tags.ToArray();
            Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return string.Join(',', sorted.Select(tag => $"{Sanitize(tag.Key)}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\""));
        }

        private static string Escape(string value) => value
            .Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

        private static string NameOf(Instrument instrument, Kind kind)
        {
            var name = Sanitize(instrument.Name);
            var unit = instrument.Unit switch { "s" => "_seconds", "ms" => "_milliseconds", "By" => "_bytes", _ => "" };
            if (!name.EndsWith(unit, StringComparison.Ordinal))
            {
                name += unit;
            }
            return kind == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
        }

        /// <summary>Prometheus names: [a-zA-Z_][a-zA-Z0-9_]*; anything else becomes '_'.</summary>
        private static string Sanitize(string name)
        {
            var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
            return char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
        }

        private static double[]? BucketsOf(Instrument instrument) => instrument switch
        {
            Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds],
            Histogram<float> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(bound => (double)bound)],
            Histogram<long> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(bound => (double)bound)],
            Histogram<int> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(bound => (double)bound)],
            _ => null,
        };
    }

    /// <summary>A counter's or gauge's value, or a histogram's sum with its per-bucket (not cumulative) counts.</summary>
    private sealed class Series(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] BucketCounts { get; } = new long[buckets + 1];
    }
}
