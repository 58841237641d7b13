using System.Globalization;

namespace EdgeBench.Reporting.Diff;

/// <summary>
/// The thresholds of <c>diff</c>. A case is Slower or Faster only when the samples show, at
/// <see cref="Alpha"/>, a shift beyond both the relative <see cref="ThresholdPercent"/> and the absolute
/// <see cref="NoiseNanoseconds"/> (the same two-gate rule as dotnet/performance's ResultsComparer).
/// </summary>
public sealed record DiffOptions
{
    /// <summary>Relative threshold in percent of the base (default 5%).</summary>
    public double ThresholdPercent { get; init; } = 5;

    /// <summary>
    /// Absolute noise floor per operation: shifts smaller than this are timer and scheduler noise, whatever their
    /// ratio. Default 1 µs: above the resolution of the clocks on every device here, below the fastest stage
    /// (tens of µs), so it only silences sub-microsecond jitter.
    /// </summary>
    public double NoiseNanoseconds { get; init; } = 1_000;

    /// <summary>
    /// Significance level of each one-sided test. 0.01 rather than BenchmarkDotNet's column default 1e-5: the edge
    /// job measures 8 iterations, and an exact Mann-Whitney test on 8 against 8 cannot go below p = 1/12870 ≈ 7.8e-5.
    /// </summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Compare runs whose device, providers, power mode or runtimes differ.</summary>
    public bool Force { get; init; }

    /// <summary>Parses <c>5%</c> or <c>5</c> (a bare number is a percentage too).</summary>
    public static bool TryParseThreshold(string text, out double percent)
    {
        string value = text.Trim();
        if (value.EndsWith('%'))
        {
            value = value[..^1];
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out percent) && percent > 0 && percent < 1000;
    }

    /// <summary>Parses an absolute time: <c>0.3ms</c>, <c>500us</c>, <c>500µs</c>, <c>2000ns</c>, <c>0.001s</c>; a bare number is milliseconds.</summary>
    public static bool TryParseNoise(string text, out double nanoseconds)
    {
        nanoseconds = 0;
        string value = text.Trim().ToLowerInvariant();
        (string suffix, double scale)[] units = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)];
        double factor = 1e6;
        foreach ((string suffix, double scale) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                value = value[..^suffix.Length];
                factor = scale;
                break;
            }
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || number < 0)
        {
            return false;
        }

        nanoseconds = number * factor;
        return true;
    }
}
