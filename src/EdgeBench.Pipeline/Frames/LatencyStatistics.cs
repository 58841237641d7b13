namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// Per-frame latency statistics of one run, in milliseconds, over processed frames only (dropped frames have no
/// latency).
/// </summary>
/// <remarks>
/// Percentiles follow MLPerf LoadGen (loadgen/results.cc, <c>ProcessLatencies</c>): sort ascending and take the
/// element at 0-based index floor(n · p), so p50 of 100 frames is the 51st smallest and p99.9 of 1,000 frames is the
/// largest. No interpolation: every reported percentile is a latency some frame really had. The standard deviation is
/// the sample one (n - 1), as BenchmarkDotNet reports it.
/// </remarks>
/// <param name="Count">Processed frames.</param>
/// <param name="P50">Median frame latency.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="P999">99.9th percentile.</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="StandardDeviation">Sample standard deviation.</param>
/// <param name="CoefficientOfVariationPercent">100 · standard deviation / mean.</param>
/// <param name="Min">Fastest frame.</param>
/// <param name="Max">Slowest frame.</param>
/// <param name="MedianStageShares">Median share of the frame total per stage; null when built from totals alone.</param>
public sealed record LatencyStatistics(
    int Count,
    double P50,
    double P90,
    double P99,
    double P999,
    double Mean,
    double StandardDeviation,
    double CoefficientOfVariationPercent,
    double Min,
    double Max,
    StageShares? MedianStageShares)
{
    /// <summary>Statistics of no frames: every value NaN.</summary>
    public static LatencyStatistics Empty { get; } = new(
        0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null);

    /// <summary>LoadGen's percentile of values sorted ascending: the element at index floor(n · p).</summary>
    /// <param name="sortedAscending">The samples, sorted ascending, at least one.</param>
    /// <param name="percentile">A fraction in [0, 1).</param>
    public static double Percentile(ReadOnlySpan<double> sortedAscending, double percentile)
    {
        if (sortedAscending.IsEmpty)
        {
            throw new ArgumentException("A percentile needs at least one sample.", nameof(sortedAscending));
        }

        if (!(percentile >= 0 && percentile < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Expected a fraction in [0, 1), e.g. 0.99.");
        }

        // The same double product and truncation as LoadGen's `latencies[sample_count * percentile]`.
        return sortedAscending[(int)(sortedAscending.Length * percentile)];
    }

    /// <summary>Statistics of frame totals in milliseconds (any order), without stage shares.</summary>
    public static LatencyStatistics FromTotals(ReadOnlySpan<double> totalsMilliseconds) =>
        FromSorted(Sorted(totalsMilliseconds), stageShares: null);

    /// <summary>Statistics of a trace's processed frames, with the median share of each stage.</summary>
    public static LatencyStatistics FromTrace(FrameTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        double[] totals = trace.ProcessedTotalsMilliseconds();
        if (totals.Length == 0)
        {
            return Empty;
        }

        // One share array per stage, reused: the median of each stage's share across frames.
        double[] shares = new double[totals.Length];
        double wait = MedianShare(trace, shares, static r => r.WaitTicks);
        double toTensor = MedianShare(trace, shares, static r => r.ToTensorTicks);
        double preprocess = MedianShare(trace, shares, static r => r.PreprocessTicks);
        double inference = MedianShare(trace, shares, static r => r.InferenceTicks);
        double postprocess = MedianShare(trace, shares, static r => r.PostprocessTicks);
        Array.Sort(totals);
        return FromSorted(totals, new StageShares(wait, toTensor, preprocess, inference, postprocess));
    }

    /// <summary>
    /// Coefficient of variation (percent, sample standard deviation) of the processed frames' processing time: the start
    /// of their batch to their results, waits left out (see <see cref="DiagnosisInput.FrameTimeCovPercent"/>). NaN for
    /// fewer than two frames.
    /// </summary>
    public static double ProcessingCoefficientOfVariationPercent(FrameTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var times = new List<double>(trace.ProcessedCount);
        for (int row = 0; row < trace.Count; row++)
        {
            FrameRecord frame = trace[row];
            if (!frame.Dropped)
            {
                times.Add(frame.DoneTicks - frame.StartTicks);
            }
        }

        if (times.Count < 2)
        {
            return double.NaN;
        }

        double mean = times.Average();
        double variance = times.Sum(t => (t - mean) * (t - mean)) / (times.Count - 1);
        return mean > 0 ? 100 * Math.Sqrt(variance) / mean : double.NaN;
    }

    private static double[] Sorted(ReadOnlySpan<double> values)
    {
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private static LatencyStatistics FromSorted(double[] sorted, StageShares? stageShares)
    {
        int count = sorted.Length;
        if (count == 0)
        {
            return Empty;
        }

        double sum = 0;
        foreach (double value in sorted)
        {
            sum += value;
        }

        double mean = sum / count;
        double squares = 0;
        foreach (double value in sorted)
        {
            squares += (value - mean) * (value - mean);
        }

        double standardDeviation = count > 1 ? Math.Sqrt(squares / (count - 1)) : 0;
        double cov = mean > 0 ? 100 * standardDeviation / mean : double.NaN;
        return new LatencyStatistics(
            count,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.90),
            Percentile(sorted, 0.99),
            Percentile(sorted, 0.999),
            mean,
            standardDeviation,
            cov,
            sorted[0],
            sorted[^1],
            stageShares);
    }

    private static double MedianShare(FrameTrace trace, double[] shares, Func<FrameRecord, long> stageTicks)
    {
        int next = 0;
        for (int row = 0; row < trace.Count; row++)
        {
            FrameRecord record = trace[row];
            if (record.Dropped)
            {
                continue;
            }

            // A zero-length frame (possible only with a fake clock) has no meaningful split; count it as 0 share.
            shares[next++] = record.TotalTicks > 0 ? (double)stageTicks(record) / record.TotalTicks : 0;
        }

        Array.Sort(shares, 0, next);
        return Percentile(shares.AsSpan(0, next), 0.5);
    }
}

/// <summary>
/// Fractions (0..1) of the frame total per stage; each is a median across frames, so they need not add up to 1.
/// </summary>
/// <param name="Wait">Capture to processing start (camera staleness, batch assembly).</param>
/// <param name="ToTensor">Stage 1.</param>
/// <param name="Preprocess">Stage 2.</param>
/// <param name="Inference">Stage 3.</param>
/// <param name="Postprocess">Stage 4.</param>
public readonly record struct StageShares(double Wait, double ToTensor, double Preprocess, double Inference, double Postprocess);
