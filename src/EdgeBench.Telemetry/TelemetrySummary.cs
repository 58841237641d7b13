using System.Globalization;

namespace EdgeBench.Telemetry;

/// <summary>What <see cref="TelemetrySummary.Summarize"/> reports for one measured window. Null means "not
/// available": no sample carried the field, or (power, energy) too few samples; <see cref="Reason"/> says why.</summary>
/// <param name="SampleCount">Readings in the window.</param>
/// <param name="WindowTime">The window's total measured time (as passed in).</param>
/// <param name="Operations">Operations measured in the window (as passed in).</param>
/// <param name="AveragePowerW">Time-weighted (trapezoidal) average power in watts over the span the power samples
/// cover; needs at least two power samples at different times.</param>
/// <param name="EnergyPerOperationMj">Average power × (window time / operations), in millijoules.</param>
/// <param name="MeanGpuUtilPct">Time-weighted mean GPU utilisation in percent.</param>
/// <param name="MeanCpuUtilPct">Time-weighted mean CPU utilisation in percent.</param>
/// <param name="PeakRamUsedMb">Maximum RAM in use in MB (peak, not mean: what decides whether a model fits).</param>
/// <param name="PeakTemperatureC">Maximum temperature in °C.</param>
/// <param name="Throttled">True when any reading was throttled; false when every reading that has the field says
/// no; null when none has it.</param>
/// <param name="Reason">Why power or energy is null (or another caveat), for the diagnoser to print; null when all
/// is well.</param>
/// <param name="ClockName">Which clock the readings carried ("SM", "GPU", "CPU"); null when none did.</param>
/// <param name="ClockStartMhz">Median clock of the window's first fifth of clock readings (at least three; null with
/// fewer than six readings of that clock).</param>
/// <param name="ClockEndMhz">Median clock of its last fifth. Medians of at least three readings rather than the first
/// and last reading: one sample taken as the workload starts or ends (clocks ramping up, or dropping to idle) must not
/// read as a throttle; a cap that holds for the last fifth of the window does. Only readings of the first reading's
/// clock count (tegrastats falls back to the CPU clock on a line without a GPU clock).</param>
/// <param name="PeakGpuMemoryUsedMb">Maximum device memory in use in MiB (nvidia-smi); null without a discrete GPU.</param>
public sealed record TelemetryWindowSummary(
    int SampleCount,
    TimeSpan WindowTime,
    long Operations,
    double? AveragePowerW,
    double? EnergyPerOperationMj,
    double? MeanGpuUtilPct,
    double? MeanCpuUtilPct,
    double? PeakRamUsedMb,
    double? PeakTemperatureC,
    bool? Throttled,
    string? Reason,
    string? ClockName = null,
    double? ClockStartMhz = null,
    double? ClockEndMhz = null,
    double? PeakGpuMemoryUsedMb = null);

/// <summary>
/// Pure reduction of one measured window's readings to the figures a diagnoser reports.
/// </summary>
/// <remarks>
/// <para><b>Averages are time-weighted</b> with the trapezoidal rule over the intervals between consecutive readings
/// (each interval contributes the mean of its two end values × its length, divided by the span from the first to
/// the last reading). Readings rarely arrive evenly (a busy CPU delays the reader), so a plain mean over-weights
/// bursts; jtop's running average (avg += (x - avg) / n) is a per-sample mean and has the same bias.</para>
/// <para><b>Energy per operation</b> = average power × (window time / operations): the power estimated over the
/// sampled span is taken as the window's average power.</para>
/// <para>A field missing from a reading is skipped for that reading only (the other readings still count); a field
/// missing from all readings is null. With one reading of a field the "mean" is that value; power and energy need
/// two, because one instant says nothing about the energy of a window.</para>
/// </remarks>
public static class TelemetrySummary
{
    /// <summary>Summarises <paramref name="readings"/> (one sampler, any order: sorted here by time) of a window of
    /// <paramref name="windowTime"/> total measured time and <paramref name="operations"/> operations.</summary>
    public static TelemetryWindowSummary Summarize(IReadOnlyList<TelemetryReading> readings, TimeSpan windowTime, long operations)
    {
        ArgumentNullException.ThrowIfNull(readings);
        TelemetryReading[] sorted = [.. readings.Where(r => r is not null).OrderBy(r => r.Elapsed)];
        var reasons = new List<string>();

        double? powerMw = TimeWeightedMean(sorted, r => r.PowerMw, requireTwo: true);
        double? averagePowerW = powerMw / 1000;
        int powerSamples = sorted.Count(r => r.PowerMw is not null);
        if (averagePowerW is null)
        {
            string window = windowTime.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            if (powerSamples < 2)
            {
                if (sorted.Length == 0 || powerSamples > 0)
                {
                    reasons.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{powerSamples} sample{(powerSamples == 1 ? "" : "s")} in a {window} s window; increase iteration time or lower --interval"));
                }
                else
                {
                    reasons.Add("no power readings: the source does not report power");
                }
            }
            else
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{powerSamples} power samples share one timestamp in a {window} s window; increase iteration time"));
            }
        }

        double? energyPerOpMj = null;
        if (averagePowerW is { } watts)
        {
            if (operations <= 0 || windowTime <= TimeSpan.Zero)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"no energy per operation: {operations} operations in {windowTime.TotalSeconds} s"));
            }
            else
            {
                // W × s = J; × 1000 = mJ.
                energyPerOpMj = watts * (windowTime.TotalSeconds / operations) * 1000;
            }
        }

        return new TelemetryWindowSummary(
            sorted.Length,
            windowTime,
            operations,
            averagePowerW,
            energyPerOpMj,
            TimeWeightedMean(sorted, r => r.GpuUtilPct, requireTwo: false),
            TimeWeightedMean(sorted, r => r.CpuUtilPct, requireTwo: false),
            Max(sorted, r => r.RamUsedMb),
            Max(sorted, r => r.MaxTemperatureC),
            AnyTrue(sorted),
            reasons.Count == 0 ? null : string.Join("; ", reasons))
        {
            ClockName = sorted.FirstOrDefault(r => r.ClockMhz is not null)?.ClockName,
            ClockStartMhz = ClockTrend(sorted).Start,
            ClockEndMhz = ClockTrend(sorted).End,
            PeakGpuMemoryUsedMb = Max(sorted, r => r.GpuMemoryUsedMb),
        };
    }

    private static (double? Start, double? End) ClockTrend(TelemetryReading[] sorted)
    {
        string? name = sorted.FirstOrDefault(r => r.ClockMhz is not null)?.ClockName;
        double[] clocks = [.. sorted.Where(r => r.ClockMhz is double c && double.IsFinite(c) && r.ClockName == name).Select(r => r.ClockMhz!.Value)];
        if (clocks.Length < 2 * MinimumClockReadingsPerEnd)
        {
            return (null, null);
        }

        int fifth = Math.Max(MinimumClockReadingsPerEnd, clocks.Length / 5);
        return (Median(clocks.AsSpan(0, fifth)), Median(clocks.AsSpan(clocks.Length - fifth)));
    }

    /// <summary>Readings each end of the clock trend takes its median of: one odd sample at an end is outvoted.</summary>
    private const int MinimumClockReadingsPerEnd = 3;

    private static double Median(ReadOnlySpan<double> values)
    {
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    // Trapezoidal integral over the readings that carry the field, divided by their span. With one reading (or all at
    // one instant) there is no span: null when requireTwo, else the plain mean.
    private static double? TimeWeightedMean(TelemetryReading[] sorted, Func<TelemetryReading, double?> field, bool requireTwo)
    {
        var points = new List<(double T, double V)>(sorted.Length);
        foreach (TelemetryReading r in sorted)
        {
            if (field(r) is { } v && double.IsFinite(v))
            {
                points.Add((r.Elapsed.TotalSeconds, v));
            }
        }

        if (points.Count == 0)
        {
            return null;
        }

        double span = points[^1].T - points[0].T;
        if (span <= 0)
        {
            return requireTwo ? null : points.Average(p => p.V);
        }

        double integral = 0;
        for (int i = 1; i < points.Count; i++)
        {
            integral += (points[i - 1].V + points[i].V) / 2 * (points[i].T - points[i - 1].T);
        }

        // A weighted mean lies between the smallest and largest reading; rounding in the sum can step just outside
        // (a constant 100% load came out as 100.00000000000001), so the result is clamped to that range.
        return Math.Clamp(integral / span, points.Min(p => p.V), points.Max(p => p.V));
    }

    private static double? Max(TelemetryReading[] sorted, Func<TelemetryReading, double?> field)
    {
        double? max = null;
        foreach (TelemetryReading r in sorted)
        {
            if (field(r) is { } v && !double.IsNaN(v))
            {
                max = max is { } m ? Math.Max(m, v) : v;
            }
        }

        return max;
    }

    private static bool? AnyTrue(TelemetryReading[] sorted)
    {
        bool? any = null;
        foreach (TelemetryReading r in sorted)
        {
            if (r.Throttled is { } t)
            {
                any = (any ?? false) || t;
            }
        }

        return any;
    }
}
