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
