using EdgeBench.Reporting.Environment;

namespace EdgeBench.Tests.Reporting;

public class PeakProbeTests
{
    [Fact]
    public void The_fma_loop_computes_what_scalar_fmas_compute()
    {
        const long iterations = 1000;
        const float a = 0.999f, b = 0.001f;
        int lanes = PeakProbe.FmaIsa.Lanes;

        // Scalar reference: chain c starts at c and takes iterations fused multiply-adds; every lane of a chain holds
        // the same value, and the loop returns the sum over chains and lanes.
        double expected = 0;
        for (int chain = 0; chain < PeakProbe.Accumulators; chain++)
        {
            float x = chain;
            for (long i = 0; i < iterations; i++)
            {
                x = MathF.FusedMultiplyAdd(x, a, b);
            }

            expected += (double)x * lanes;
        }

        float actual = PeakProbe.FmaLoop(iterations, a, b);

        // Lane sums may add in another order than the reference: within a few float ulps of the total.
        Assert.Equal(expected, actual, expected * 1e-6);
    }

    [Fact]
    public void Flops_per_call_count_two_per_lane_per_fma()
    {
        Assert.Equal(1000L * PeakProbe.Accumulators * 16 * 2, PeakProbe.FlopsPerCall(1000, 16));
    }

    [Theory]
    [InlineData(new[] { 100.0, 90.0, 95.0, 80.0, 99.0 }, 100.0, 95.0, 20.0)]
    [InlineData(new[] { 50.0, 40.0 }, 50.0, 45.0, 20.0)]
    [InlineData(new[] { 7.0 }, 7.0, 7.0, 0.0)]
    public void Repeats_summarize_as_best_median_and_spread(double[] samples, double best, double median, double spreadPct)
    {
        (double actualBest, double actualMedian, double actualSpread) = PeakProbe.Summarize(samples);

        Assert.Equal((best, median), (actualBest, actualMedian));
        Assert.Equal(spreadPct, actualSpread, 1e-9);
    }

    [Fact]
    public void A_short_probe_reports_a_physically_possible_peak()
    {
        ComputePeak peak = PeakProbe.Measure(threads: 1, repeats: 2, repeatTime: TimeSpan.FromMilliseconds(20));

        (string isa, int lanes) = PeakProbe.FmaIsa;
        Assert.Equal((isa, lanes, 1, 2), (peak.CpuIsa, peak.CpuVectorLanes, peak.CpuThreads, peak.Repeats));
        // No core retires more than 2 FMA instructions per cycle, nor runs above 6 GHz: a figure over that ceiling
        // is a counting error. A figure under 0.1 GFLOP/s would mean the loop did not run.
        double ceiling = 2 * lanes * 2 * 6.0;
        Assert.InRange(peak.CpuFmaGflops, 0.1, ceiling);
        Assert.Equal(peak.CpuFmaGflops, peak.CpuFmaGflopsOneThread);
        Assert.InRange(peak.CpuFmaGflopsMedian, 0.1, peak.CpuFmaGflops);
        // A copy faster than 1 TB/s on one thread, or slower than 0.1 GB/s, is not a measurement.
        Assert.InRange(peak.MemoryCopyGbps, 0.1, 1000);
        Assert.Contains(isa, peak.Method, StringComparison.Ordinal);
        Assert.StartsWith("not measured", peak.Gpu, StringComparison.Ordinal);
    }
}
