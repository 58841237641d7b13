using System.Globalization;
using System.Text;

namespace EdgeBench.Pipeline.Frames;

/// <summary>A telemetry reading placed on the trace's time axis: seconds since the trace's first capture.</summary>
public readonly record struct TimelineReading(double Seconds, double? PowerW, double? TemperatureC, double? GpuUtilPct, double? CpuUtilPct, bool? Throttled,
    double? ClockMhz = null);

/// <summary>One second of a sustained run.</summary>
/// <param name="Second">Seconds since the first capture (the row covers [Second, Second + 1)).</param>
/// <param name="Frames">Frames whose processing finished in this second.</param>
/// <param name="Dropped">Camera frames captured in this second and never processed.</param>
/// <param name="DeadlineMisses">Frames finished in this second whose latency exceeded the camera period.</param>
/// <param name="P50Ms">Median latency of the frames finished in this second; NaN without frames.</param>
/// <param name="P99Ms">99th percentile (LoadGen's definition) of the same frames; NaN without frames.</param>
/// <param name="PowerW">Mean power of the readings in this second; null without readings.</param>
/// <param name="TemperatureC">Hottest reading in this second.</param>
/// <param name="GpuUtilPct">Mean GPU utilisation.</param>
/// <param name="CpuUtilPct">Mean CPU utilisation.</param>
/// <param name="Throttled">Whether any reading in this second reported throttling; null when the source has no such field.</param>
/// <param name="ClockMhz">Lowest clock read in this second (the GPU's SM/GR3D clock, else the CPU's): a throttle shows as a dip.</param>
public sealed record TimelineSecond(int Second, int Frames, int Dropped, int DeadlineMisses, double P50Ms, double P99Ms,
    double? PowerW, double? TemperatureC, double? GpuUtilPct, double? CpuUtilPct, bool? Throttled, double? ClockMhz = null);

/// <summary>
/// The per-second timeline of a sustained camera run (<c>--sustained</c>): FPS, latency, drops and deadline misses
/// from the frame trace, temperature, power and utilisation from the telemetry that ran beside it, and the thermal
/// drop (the last minute's frame rate over the first minute's). Pure: the caller places the readings on the trace's
/// time axis.
/// </summary>
public static class SustainedTimeline
{
    /// <summary>The CSV header of <see cref="WriteCsv"/>.</summary>
    public const string Header = LegacyHeader + ",clock_mhz";

    /// <summary>The header before clocks were recorded; such files are still read (their clock is null).</summary>
    private const string LegacyHeader = "second,fps,p50_ms,p99_ms,dropped,deadline_misses,power_w,temp_c,gpu_util_pct,cpu_util_pct,throttled";

    /// <summary>Seconds per thermal-drop window: a minute, or a third of a shorter run.</summary>
    private const double ThermalWindowSeconds = 60;

    /// <summary>One row per whole second from the first capture to the last frame's end.</summary>
    /// <param name="frames">The run's trace as <see cref="FrameTraceCsv.Read(string)"/> returns it.</param>
    /// <param name="cameraFps">The camera rate (deadline = one period); null counts no deadline misses.</param>
    /// <param name="readings">Telemetry on the same axis: seconds since the first capture.</param>
    public static IReadOnlyList<TimelineSecond> Build(FrameTraceSamples frames, double? cameraFps, IReadOnlyList<TimelineReading> readings)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(readings);
        if (frames.Count == 0)
        {
            return [];
        }

        double periodMs = cameraFps is double fps && fps > 0 ? 1000.0 / fps : double.PositiveInfinity;
        var latencies = new List<List<double>>();
        var dropped = new List<int>();
        var misses = new List<int>();
        List<double> Bucket(int second)
        {
            while (latencies.Count <= second)
            {
                latencies.Add([]);
                dropped.Add(0);
                misses.Add(0);
            }

            return latencies[second];
        }

        for (int row = 0; row < frames.Count; row++)
        {
            double captureMs = frames.CaptureMilliseconds[row];
            if (frames.Dropped[row])
            {
                int captured = Math.Max(0, (int)(captureMs / 1000));
                Bucket(captured);
                dropped[captured]++;
                continue;
            }

            double latencyMs = frames.TotalMilliseconds[row];
            int done = Math.Max(0, (int)((captureMs + latencyMs) / 1000));
            Bucket(done).Add(latencyMs);
            if (latencyMs > periodMs)
            {
                misses[done]++;
            }
        }

        ILookup<int, TimelineReading> readingsBySecond = readings.Where(r => r.Seconds >= 0).ToLookup(r => (int)r.Seconds);
        var seconds = new TimelineSecond[latencies.Count];
        for (int s = 0; s < seconds.Length; s++)
        {
            double[] sorted = [.. latencies[s].Order()];
            TimelineReading[] inSecond = [.. readingsBySecond[s]];
            seconds[s] = new TimelineSecond(
                s,
                sorted.Length,
                dropped[s],
                misses[s],
                sorted.Length > 0 ? LatencyStatistics.Percentile(sorted, 0.5) : double.NaN,
                sorted.Length > 0 ? LatencyStatistics.Percentile(sorted, 0.99) : double.NaN,
                Mean(inSecond.Select(r => r.PowerW)),
                inSecond.Select(r => r.TemperatureC).Where(t => t.HasValue).Max(),
                Mean(inSecond.Select(r => r.GpuUtilPct)),
                Mean(inSecond.Select(r => r.CpuUtilPct)),
                inSecond.Any(r => r.Throttled == true) ? true : inSecond.Any(r => r.Throttled == false) ? false : null,
                inSecond.Select(r => r.ClockMhz).Where(c => c.HasValue).Min());
        }

        return seconds;
    }

    /// <summary>
    /// Frames per second of the last window over the first (a minute each, or a third of a run shorter than three
    /// minutes, leaving out the last, partial second); null when the run is shorter than three seconds.
    /// </summary>
    public static double? ThermalDrop(IReadOnlyList<TimelineSecond> timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        int whole = timeline.Count - 1; // the last second is partial
        if (whole < 3)
        {
            return null;
        }

        int window = (int)Math.Min(ThermalWindowSeconds, whole / 3);
        double first = timeline.Take(window).Average(s => s.Frames);
        double last = timeline.Skip(whole - window).Take(window).Average(s => s.Frames);
        return first > 0 ? last / first : null;
    }

    /// <summary>The timeline as CSV text (invariant culture; empty fields where nothing was measured).</summary>
    public static string WriteCsv(IReadOnlyList<TimelineSecond> timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var text = new StringBuilder(Header).Append('\n');
        static string F(double? value, string format) =>
            value is double v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : string.Empty;
        foreach (TimelineSecond s in timeline)
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Second},{s.Frames},{F(s.P50Ms, "0.###")},{F(s.P99Ms, "0.###")},{s.Dropped},{s.DeadlineMisses},")
                .Append(CultureInfo.InvariantCulture, $"{F(s.PowerW, "0.##")},{F(s.TemperatureC, "0.#")},{F(s.GpuUtilPct, "0.#")},{F(s.CpuUtilPct, "0.#")},")
                .Append(s.Throttled switch { true => "true", false => "false", null => string.Empty })
                .Append(CultureInfo.InvariantCulture, $",{F(s.ClockMhz, "0")}")
                .Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Reads what <see cref="WriteCsv"/> wrote; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">Not a timeline file: another header, or a field that is not a number.</exception>
    public static IReadOnlyList<TimelineSecond> ReadCsv(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int fields = lines.Length == 0 ? 0 : lines[0] == Header ? 12 : lines[0] == LegacyHeader ? 11 : 0;
        if (fields == 0)
        {
            throw new InvalidDataException($"{source}: not a sustained timeline; expected the header '{Header}'.");
        }

        var seconds = new List<TimelineSecond>(lines.Length - 1);
        for (int row = 1; row < lines.Length; row++)
        {
            string[] f = lines[row].Split(',');
            if (f.Length != fields)
            {
                throw new InvalidDataException($"{source}: line {row + 1} has {f.Length} fields; expected {fields}.");
            }

            double? Number(int i) => f[i].Length == 0
                ? null
                : double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                    ? v
                    : throw new InvalidDataException($"{source}: line {row + 1}, field {i + 1}: '{f[i]}' is not a number.");
            seconds.Add(new TimelineSecond(
                (int)(Number(0) ?? 0), (int)(Number(1) ?? 0), (int)(Number(4) ?? 0), (int)(Number(5) ?? 0),
                Number(2) ?? double.NaN, Number(3) ?? double.NaN, Number(6), Number(7), Number(8), Number(9),
                f[10] switch { "true" => true, "false" => false, _ => null },
                fields > 11 ? Number(11) : null));
        }

        return seconds;
    }

    private static double? Mean(IEnumerable<double?> values)
    {
        double[] present = values.Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        return present.Length > 0 ? present.Average() : null;
    }
}
