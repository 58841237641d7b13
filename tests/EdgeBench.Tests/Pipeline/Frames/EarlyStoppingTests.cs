using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class EarlyStoppingTests
{
    [Theory]
    // The MLPerf inference rules and LoadGen's single-stream summary ("Need to process at least N queries for early
    // stopping"): 64 for p90, 662 for p99, 6,636 for p99.9 at zero overflow (h_min + 1 with t = 1, d = 0, c = 0.99).
    [InlineData(0.90, 64)]
    [InlineData(0.99, 662)]
    [InlineData(0.999, 6_636)]
    public void Minimum_frames_match_LoadGen(double percentile, int expected) =>
        Assert.Equal(expected, EarlyStopping.MinimumFrames(percentile));

    [Fact]
    public void Ten_thousand_queries_at_p90_discard_929_as_in_a_published_LoadGen_summary()
    {
        // mlcommons/inference, tools/submission/directory_structure_samples/sample_1/open/NVIDIA/results/
        // Jetson-Thor_TRT/llama3.1-8b-edge/SingleStream/performance/run_1/mlperf_log_summary.txt:
        // "Processed at least 64 queries (10000). Would discard 929 highest latency queries."
        double[] latencies = Enumerable.Range(1, 10_000).Select(i => (double)i).ToArray();

        EarlyStoppingEstimate estimate = EarlyStopping.Estimate(latencies, 0.90);

        Assert.True(estimate.EnoughFrames);
        Assert.Equal(64, estimate.MinimumFrames);
        Assert.Equal(929, estimate.DiscardedHighest);
        // The estimate is sorted[n - t] (0-based) = sorted[9070] = 9071 here.
        Assert.Equal(9_071, estimate.Latency);
    }

    [Theory]
    // Expected t computed by LoadGen itself: loadgen/early_stopping.cc (MinPassingQueriesFinder) driven by the
    // single-stream loop of loadgen/results.cc PerformanceSummary::EarlyStopping (t = 1; for i = 2.. while
    // n >= h(i) + i), compiled from mlcommons/inference at b66003e. Estimate index = n - t.
    [InlineData(0.90, 64, 1)]
    [InlineData(0.90, 100, 3)]
    [InlineData(0.90, 128, 5)]
    [InlineData(0.90, 1_000, 78)]
    [InlineData(0.99, 662, 1)]
    [InlineData(0.99, 1_000, 2)]
    [InlineData(0.99, 5_000, 33)]
    [InlineData(0.99, 10_000, 77)]
    [InlineData(0.999, 6_636, 1)]
    [InlineData(0.999, 10_000, 2)]
    [InlineData(0.999, 100_000, 77)]
    [InlineData(0.5, 100, 37)]
    public void Over_latency_budget_matches_LoadGen(double percentile, int frames, int expectedBudget) =>
        Assert.Equal(expectedBudget, EarlyStopping.OverLatencyBudget(frames, percentile));

    [Fact]
    public void A_run_one_frame_short_has_no_estimate()
    {
        double[] latencies = Enumerable.Repeat(5.0, 661).ToArray();

        EarlyStoppingEstimate estimate = EarlyStopping.Estimate(latencies, 0.99);

        Assert.False(estimate.EnoughFrames);
        Assert.Equal(662, estimate.MinimumFrames);
        Assert.True(double.IsNaN(estimate.Latency));
        Assert.Equal(0, EarlyStopping.OverLatencyBudget(661, 0.99));
    }

    [Fact]
    public void At_the_minimum_the_estimate_is_the_maximum_latency()
    {
        // t = 1: nothing is discarded, so the estimate is the slowest frame.
        double[] latencies = Enumerable.Range(0, 64).Select(i => i == 17 ? 99.0 : 1.0).ToArray();

        Assert.Equal(99.0, EarlyStopping.Estimate(latencies, 0.90).Latency);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(90)]
    [InlineData(double.NaN)]
    public void Percentiles_outside_0_to_1_are_rejected(double percentile) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EarlyStopping.MinimumFrames(percentile));
}
