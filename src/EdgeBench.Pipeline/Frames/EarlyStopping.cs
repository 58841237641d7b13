namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// MLPerf LoadGen's early-stopping estimate for the single-stream scenario (loadgen/early_stopping.cc and the
/// single-stream branch of <c>PerformanceSummary::EarlyStopping</c> in loadgen/results.cc; the algorithm is the
/// appendix "Early Stopping Criterion" of the MLPerf inference rules). With confidence c = 0.99 and tolerance d = 0:
/// <list type="number">
/// <item>A run of n frames may count t frames as "over latency" when a system that meets the target percentile p
/// only just (under-latency probability p - d) would show t or fewer over-latency frames out of n with probability
/// below 1 - c, i.e. BinomialCdf(t; n, 1 - p) &lt; 0.01. t is the largest such count.</item>
/// <item>At least one over-latency frame must be allowed, so a run needs <see cref="MinimumFrames"/> frames
/// (LoadGen's h_min + 1: 64 for p90, 662 for p99, 6,636 for p99.9).</item>
/// <item>The estimate discards the t - 1 highest latencies and reports the highest of the rest: the
/// (n - t)-th element, 0-based, of the latencies sorted ascending.</item>
/// </list>
/// </summary>
/// <remarks>
/// LoadGen finds, for each t, the least number of under-latency queries h(t) by bisection over a hypergeometric series
/// and stops at the first t with h(t) + t &gt; n. Because the binomial CDF grows with t, that is the same t as the
/// largest t with BinomialCdf(t; n, 1 - p) &lt; 0.01, which one upward pass over the binomial terms finds. The terms
/// are summed in log space because p^n underflows a double for long runs (0.9^10000 = 1e-458).
/// </remarks>
public static class EarlyStopping
{
    /// <summary>LoadGen's confidence c: the run's estimate is an upper bound of the true percentile with 99% probability.</summary>
    public const double Confidence = 0.99;

    /// <summary>LoadGen's tolerance d: zero, the minimally failing system sits exactly at the target percentile.</summary>
    public const double Tolerance = 0.0;

    private static readonly double s_logFalsePositiveRate = Math.Log(1 - Confidence);

    /// <summary>
    /// The fewest frames for which the estimate of <paramref name="percentile"/> exists (one over-latency frame
    /// allowed): 64 for 0.90, 662 for 0.99, 6,636 for 0.999.
    /// </summary>
    /// <param name="percentile">The target percentile as a fraction in (0, 1), e.g. 0.99.</param>
    public static int MinimumFrames(double percentile)
    {
        ValidatePercentile(percentile);

        // BinomialCdf(1; n, 1 - p) falls as n grows: double n until it passes, then bisect the last doubling.
        long failing = 1;
        long passing = 2;
        while (!AllowsOverLatency(passing, 1, percentile))
        {
            failing = passing;
            passing *= 2;
            if (passing > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile needs more frames than a run can hold.");
            }
        }

        while (passing - failing > 1)
        {
            long middle = failing + ((passing - failing) / 2);
            if (AllowsOverLatency(middle, 1, percentile))
            {
                passing = middle;
            }
            else
            {
                failing = middle;
            }
        }

        return (int)passing;
    }

    /// <summary>
    /// t: how many of <paramref name="frameCount"/> frames may be over latency while the run still shows, at 99%
    /// confidence, that the system meets <paramref name="percentile"/>; 0 when the run is shorter than
    /// <see cref="MinimumFrames"/>.
    /// </summary>
    public static int OverLatencyBudget(int frameCount, double percentile)
    {
        ValidatePercentile(percentile);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);

        // One upward pass: log P(X = i) for X ~ Binomial(n, 1 - p), accumulated into log P(X <= i).
        double logOverProbability = Math.Log(1 - percentile);
        double logUnderProbability = Math.Log(percentile);
        double logTerm = frameCount * logUnderProbability;
        double logCdf = logTerm;
        int budget = -1;
        for (int i = 0; i <= frameCount && logCdf < s_logFalsePositiveRate; i++)
        {
            budget = i;
            logTerm += Math.Log((double)(frameCount - i) / (i + 1)) + logOverProbability - logUnderProbability;
            logCdf = LogAddExp(logCdf, logTerm);
        }

        // Zero over-latency frames never count: LoadGen asks for at least one (the rules' step 3).
        return Math.Max(budget, 0);
    }

    /// <summary>
    /// The early-stopping estimate of <paramref name="percentile"/> over <paramref name="latencies"/> (any order, any
    /// unit; the estimate has the same unit). Allocates a sorted copy: call it after the run.
    /// </summary>
    public static EarlyStoppingEstimate Estimate(ReadOnlySpan<double> latencies, double percentile)
    {
        int minimum = MinimumFrames(percentile);
        int count = latencies.Length;
        if (count < minimum)
        {
            return new EarlyStoppingEstimate(percentile, count, minimum, 0, double.NaN);
        }

        int budget = OverLatencyBudget(count, percentile);
        double[] sorted = latencies.ToArray();
        Array.Sort(sorted);
        return new EarlyStoppingEstimate(percentile, count, minimum, budget, sorted[count - budget]);
    }

    /// <summary>Whether t over-latency frames out of n pass: BinomialCdf(t; n, 1 - p) &lt; 1 - c.</summary>
    internal static bool AllowsOverLatency(long frameCount, int overLatency, double percentile)
    {
        double logOverProbability = Math.Log(1 - percentile);
        double logUnderProbability = Math.Log(percentile);
        double logTerm = frameCount * logUnderProbability;
        double logCdf = logTerm;
        for (int i = 0; i < overLatency; i++)
        {
            logTerm += Math.Log((double)(frameCount - i) / (i + 1)) + logOverProbability - logUnderProbability;
            logCdf = LogAddExp(logCdf, logTerm);
        }

        return logCdf < s_logFalsePositiveRate;
    }

    private static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        double high = Math.Max(a, b);
        return high + Math.Log(1 + Math.Exp(Math.Min(a, b) - high));
    }

    private static void ValidatePercentile(double percentile)
    {
        if (!(percentile > 0 && percentile < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Expected a percentile as a fraction in (0, 1), e.g. 0.99.");
        }
    }
}

/// <summary>The early-stopping estimate of one percentile over one run.</summary>
/// <param name="Percentile">The target percentile as a fraction (0.9, 0.99).</param>
/// <param name="FrameCount">Latency samples in the run.</param>
/// <param name="MinimumFrames">Samples the estimate needs (<see cref="EarlyStopping.MinimumFrames"/>).</param>
/// <param name="OverLatencyBudget">t: over-latency frames the run may hold (0 when too short).</param>
/// <param name="Latency">The estimate (the latencies' unit), NaN when the run is too short.</param>
public readonly record struct EarlyStoppingEstimate(
    double Percentile, int FrameCount, int MinimumFrames, int OverLatencyBudget, double Latency)
{
    /// <summary>Whether enough frames ran for the estimate to exist.</summary>
    public bool EnoughFrames => FrameCount >= MinimumFrames;

    /// <summary>The highest latencies the estimate discards (LoadGen's "Would discard N highest latency queries").</summary>
    public int DiscardedHighest => Math.Max(OverLatencyBudget - 1, 0);
}
