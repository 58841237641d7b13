using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class LatencyStatisticsTests
{
    [Fact]
    public void Percentiles_take_the_element_at_floor_n_times_p_as_LoadGen_does()
    {
        // loadgen/results.cc ProcessLatencies: sample_latencies[sample_count * percentile] after sorting.
        double[] oneToHundred = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToArray();

        LatencyStatistics statistics = LatencyStatistics.FromTotals(oneToHundred);

        Assert.Equal(51, statistics.P50);
        Assert.Equal(91, statistics.P90);
        Assert.Equal(100, statistics.P99);
        Assert.Equal(100, statistics.P999);
        Assert.Equal((1.0, 100.0), (statistics.Min, statistics.Max));
        Assert.Equal(50.5, statistics.Mean, 12);
    }

    [Fact]
    public void P999_of_ten_thousand_frames_is_the_ten_thousandth_smallest()
    {
        double[] values = Enumerable.Range(0, 10_000).Select(i => (double)i).ToArray();

        Assert.Equal(9_990, LatencyStatistics.Percentile(values, 0.999));
        Assert.Equal(9_900, LatencyStatistics.Percentile(values, 0.99));
    }

    [Fact]
    public void Spread_is_the_sample_standard_deviation_and_its_cov()
    {
        LatencyStatistics statistics = LatencyStatistics.FromTotals([2, 4, 4, 4, 5, 5, 7, 9]);

        // Sum of squared deviations from the mean 5 is 32; the sample variance divides by n - 1 = 7.
        Assert.Equal(Math.Sqrt(32.0 / 7), statistics.StandardDeviation, 12);
        Assert.Equal(100 * Math.Sqrt(32.0 / 7) / 5, statistics.CoefficientOfVariationPercent, 12);
    }

    [Fact]
    public void No_frames_give_NaN_not_an_exception()
    {
        LatencyStatistics statistics = LatencyStatistics.FromTotals([]);

        Assert.Equal(0, statistics.Count);
        Assert.True(double.IsNaN(statistics.P99));
    }

    [Fact]
    public void Processing_time_cov_leaves_the_waits_out()
    {
        // A 1 kHz clock. Batch of 4 camera frames: captures 0, 10, 20, 30 ms, processing 30..40 ms for all of them.
        // Latencies 40, 30, 20, 10 ms vary (CoV 51.6%), processing time 10 ms does not: CoV 0.
        var batched = new FrameTrace(16, 1_000);
        batched.BeginBatch([0, 1, 2, 3], [0, 10, 20, 30], 30);
        foreach (FrameStage stage in Enum.GetValues<FrameStage>())
        {
            batched.MarkStage(stage, stage == FrameStage.Postprocess ? 40 : 30);
        }

        batched.EndBatch();
        // Back to back, processing 10 ms and 20 ms: mean 15, sample sd 7.071, CoV 47.14%.
        var varying = new FrameTrace(16, 1_000);
        long t = 0;
        foreach (long processing in (long[])[10, 20])
        {
            varying.BeginBatch([t], [t], t);
            foreach (FrameStage stage in Enum.GetValues<FrameStage>())
            {
                varying.MarkStage(stage, t + processing);
            }

            varying.EndBatch();
            t += processing;
        }

        Assert.Equal(51.64, LatencyStatistics.FromTrace(batched).CoefficientOfVariationPercent, 2);
        Assert.Equal(0, LatencyStatistics.ProcessingCoefficientOfVariationPercent(batched), 9);
        Assert.Equal(47.14, LatencyStatistics.ProcessingCoefficientOfVariationPercent(varying), 2);
    }

    [Fact]
    public void From_a_trace_uses_processed_frames_and_reports_median_stage_shares()
    {
        var trace = new FrameTrace(16, 1_000);
        trace.RecordDropped(0, 0);
        // Three frames of 10 ticks: wait 0, to-tensor 1, preprocess 6, inference 2, postprocess 1 (preprocess 60%).
        for (int i = 1; i <= 3; i++)
        {
            long t = i * 100;
            trace.BeginBatch([i], [t], t);
            trace.MarkStage(FrameStage.ToTensor, t + 1);
            trace.MarkStage(FrameStage.Preprocess, t + 7);
            trace.MarkStage(FrameStage.Inference, t + 9);
            trace.MarkStage(FrameStage.Postprocess, t + 10);
            trace.EndBatch();
        }

        LatencyStatistics statistics = LatencyStatistics.FromTrace(trace);

        Assert.Equal(3, statistics.Count);
        Assert.Equal(10.0, statistics.P50, 12);
        Assert.Equal(new StageShares(0, 0.1, 0.6, 0.2, 0.1), statistics.MedianStageShares);
        Assert.Equal(0, statistics.CoefficientOfVariationPercent);
    }
}
