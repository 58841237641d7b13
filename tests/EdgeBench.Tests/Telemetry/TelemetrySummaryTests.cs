using EdgeBench.Telemetry;

namespace EdgeBench.Tests.Telemetry;

// Hand-computed expectations; every figure is derived in the comment next to it.
public sealed class TelemetrySummaryTests
{
    private static TelemetryReading At(double seconds, double? powerW = null, double? gpu = null, double? cpu = null,
        double? ramMb = null, double? tempC = null, bool? throttled = null) =>
        new(TimeSpan.FromSeconds(seconds), powerW * 1000, gpu, cpu, ramMb, tempC, throttled);

    [Fact]
    public void ClockTrend_IsTheMedianOfTheFirstAndLastFifth_SoOneRampingSampleDoesNotCount()
    {
        // 10 readings, ends of 3. A throttle that holds: start = median(1980 x3), end = median(1410 x3).
        double[] sm = [1980, 1980, 1980, 1980, 1980, 1980, 1410, 1410, 1410, 1410];
        TelemetryReading[] throttled = [.. sm.Select((mhz, i) => At(i * 0.1) with { ClockMhz = mhz, ClockName = "SM" })];
        // One idle sample at the end of a steady window (the GPU dropping to idle after the work): each end is the
        // median of at least three readings, so it is outvoted (a two-reading end would average it to 1162.5).
        double[] steady = [1980, 1980, 1980, 1980, 1980, 1980, 1980, 1980, 1980, 345];
        TelemetryReading[] ramps = [.. steady.Select((mhz, i) => At(i * 0.1) with { ClockMhz = mhz, ClockName = "SM" })];

        TelemetryWindowSummary s = TelemetrySummary.Summarize(throttled, TimeSpan.FromSeconds(1), 10);
        TelemetryWindowSummary r = TelemetrySummary.Summarize(ramps, TimeSpan.FromSeconds(1), 10);

        Assert.Equal(("SM", 1980.0, 1410.0), (s.ClockName, s.ClockStartMhz!.Value, s.ClockEndMhz!.Value));
        Assert.Equal((1980.0, 1980.0), (r.ClockStartMhz!.Value, r.ClockEndMhz!.Value));
        Assert.Null(TelemetrySummary.Summarize(throttled[..5], TimeSpan.FromSeconds(1), 10).ClockStartMhz); // too few to judge
        Assert.Null(TelemetrySummary.Summarize([At(0, cpu: 5)], TimeSpan.FromSeconds(1), 1).ClockStartMhz);
    }

    [Fact]
    public void ConstantFullLoad_StaysExactlyOneHundredPercent()
    {
        // Irregular intervals make the trapezoid sum round; a mean of constant 100% must still be 100, not 100.00000000000001.
        TelemetryReading[] r = [.. Enumerable.Range(0, 47).Select(i => At((i * 0.1037) + (i % 3 * 0.0011), cpu: 100, gpu: 100))];

        TelemetryWindowSummary s = TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(5), 10);

        Assert.Equal(100.0, s.MeanCpuUtilPct);
        Assert.Equal(100.0, s.MeanGpuUtilPct);
    }

    [Fact]
    public void ConstantPower_EnergyPerOpIsPowerTimesTimePerOp()
    {
        TelemetryReading[] r = [At(0, 10), At(0.5, 10), At(1.0, 10), At(1.5, 10)];

        TelemetryWindowSummary s = TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(2), 400);

        // 10 W × (2 s / 400 ops) = 0.05 J = 50 mJ per op.
        Assert.Equal(10.0, s.AveragePowerW!.Value, 12);
        Assert.Equal(50.0, s.EnergyPerOperationMj!.Value, 9);
        Assert.Equal(4, s.SampleCount);
        Assert.Equal(TimeSpan.FromSeconds(2), s.WindowTime);
        Assert.Equal(400, s.Operations);
        Assert.Null(s.Reason);
    }

    [Fact]
    public void TwoLevelStep_IsTimeWeighted_NotAPlainMean()
    {
        // 5 W for the first second, a step to 15 W between 1.0 and 1.5 s, then 15 W for two seconds.
        TelemetryReading[] r = [At(0, 5), At(1, 5), At(1.5, 15), At(3.5, 15)];

        TelemetryWindowSummary s = TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(3.5), 7);

        // Trapezoids: 5×1 + (5+15)/2×0.5 + 15×2 = 5 + 5 + 30 = 40 J over 3.5 s = 11.428… W (plain mean: 10 W).
        Assert.Equal(40 / 3.5, s.AveragePowerW!.Value, 12);
        Assert.NotEqual(10.0, s.AveragePowerW.Value, 3);
        // 40/3.5 W × 3.5 s / 7 ops = 40/7 J = 5714.285… mJ.
        Assert.Equal(40.0 / 7 * 1000, s.EnergyPerOperationMj!.Value, 9);
    }

    [Fact]
    public void ReadingsOutOfOrder_AreSortedByTime()
    {
        TelemetryReading[] r = [At(3.5, 15), At(0, 5), At(1.5, 15), At(1, 5)];
        Assert.Equal(40 / 3.5, TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(3.5), 7).AveragePowerW!.Value, 12);
    }

    [Fact]
    public void Empty_AllNull_WithReason()
    {
        TelemetryWindowSummary s = TelemetrySummary.Summarize([], TimeSpan.FromSeconds(0.8), 100);

        Assert.Equal(0, s.SampleCount);
        Assert.Null(s.AveragePowerW);
        Assert.Null(s.EnergyPerOperationMj);
        Assert.Null(s.MeanGpuUtilPct);
        Assert.Null(s.MeanCpuUtilPct);
        Assert.Null(s.PeakRamUsedMb);
        Assert.Null(s.PeakTemperatureC);
        Assert.Null(s.Throttled);
        Assert.Equal("0 samples in a 0.8 s window; increase iteration time or lower --interval", s.Reason);
    }

    [Fact]
    public void OneSample_PowerNullWithReason_OtherFieldsAreItsValues()
    {
        TelemetryWindowSummary s = TelemetrySummary.Summarize(
            [At(0.4, 12, gpu: 55, cpu: 20, ramMb: 3000, tempC: 51.5, throttled: false)], TimeSpan.FromSeconds(0.8), 100);

        Assert.Null(s.AveragePowerW);
        Assert.Null(s.EnergyPerOperationMj);
        Assert.Equal("1 sample in a 0.8 s window; increase iteration time or lower --interval", s.Reason);
        Assert.Equal(55, s.MeanGpuUtilPct);
        Assert.Equal(20, s.MeanCpuUtilPct);
        Assert.Equal(3000, s.PeakRamUsedMb);
        Assert.Equal(51.5, s.PeakTemperatureC);
        Assert.False(s.Throttled);
        Assert.Equal(1, s.SampleCount);
    }

    [Fact]
    public void UtilisationIsTimeWeighted_RamAndTemperatureArePeaks_ThrottledIsAny()
    {
        TelemetryReading[] r =
        [
            At(0, gpu: 0, cpu: 10, ramMb: 2000, tempC: 40, throttled: false),
            At(1, gpu: 100, cpu: 30, ramMb: 2500, tempC: 62.5, throttled: true),
            At(3, gpu: 100, cpu: 30, ramMb: 2400, tempC: 60, throttled: false),
        ];

        TelemetryWindowSummary s = TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(3), 30);

        // GPU: (0+100)/2×1 + 100×2 = 250 over 3 s; CPU: (10+30)/2×1 + 30×2 = 80 over 3 s.
        Assert.Equal(250.0 / 3, s.MeanGpuUtilPct!.Value, 12);
        Assert.Equal(80.0 / 3, s.MeanCpuUtilPct!.Value, 12);
        Assert.Equal(2500, s.PeakRamUsedMb);
        Assert.Null(s.PeakGpuMemoryUsedMb); // no reading carried device memory
        Assert.Equal(62.5, s.PeakTemperatureC);
        Assert.True(s.Throttled);
        // This source has no power at all: say so rather than blame the window length.
        Assert.Null(s.AveragePowerW);
        Assert.Equal("no power readings: the source does not report power", s.Reason);
    }

    [Fact]
    public void FieldMissingFromSomeReadings_UsesTheOthers()
    {
        // Power missing at t=1: integrate the remaining points 0 and 2 (10 W and 20 W) → 15 W.
        TelemetryReading[] r = [At(0, 10, gpu: 50), At(1, null, gpu: null), At(2, 20, gpu: 70)];

        TelemetryWindowSummary s = TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(2), 1);

        Assert.Equal(15, s.AveragePowerW!.Value, 12);
        Assert.Equal(60, s.MeanGpuUtilPct!.Value, 12);
        Assert.Null(s.MeanCpuUtilPct);
        Assert.Null(s.Throttled);
        Assert.Equal(3, s.SampleCount);
    }

    [Fact]
    public void AllThrottleFlagsFalse_IsFalse()
    {
        TelemetryWindowSummary s = TelemetrySummary.Summarize([At(0, throttled: false), At(1, throttled: null), At(2, throttled: false)],
            TimeSpan.FromSeconds(2), 1);
        Assert.False(s.Throttled);
    }

    [Fact]
    public void ZeroOperations_PowerKept_EnergyNullWithReason()
    {
        TelemetryWindowSummary s = TelemetrySummary.Summarize([At(0, 8), At(1, 8)], TimeSpan.FromSeconds(1), 0);

        Assert.Equal(8, s.AveragePowerW!.Value, 12);
        Assert.Null(s.EnergyPerOperationMj);
        Assert.Contains("0 operations", s.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoSamplesAtOneInstant_PowerNull()
    {
        TelemetryWindowSummary s = TelemetrySummary.Summarize([At(1, 8), At(1, 9)], TimeSpan.FromSeconds(1), 10);

        Assert.Null(s.AveragePowerW);
        Assert.Contains("share one timestamp", s.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuMemoryIsThePeak()
    {
        TelemetryReading[] r =
        [
            new(TimeSpan.Zero, GpuMemoryUsedMb: 812),
            new(TimeSpan.FromSeconds(1), GpuMemoryUsedMb: 4096),
            new(TimeSpan.FromSeconds(2), GpuMemoryUsedMb: 3900),
            new(TimeSpan.FromSeconds(3)),
        ];

        Assert.Equal(4096, TelemetrySummary.Summarize(r, TimeSpan.FromSeconds(3), 10).PeakGpuMemoryUsedMb);
    }
}
