using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public sealed class SustainedTimelineTests
{
    /// <summary>A 10 FPS camera for <paramref name="seconds"/> s; frames whose index is in <paramref name="dropped"/> were never processed.</summary>
    private static FrameTraceSamples Trace(int seconds, Func<int, double> latencyMs, HashSet<int>? dropped = null)
    {
        int count = seconds * 10;
        double[] capture = Enumerable.Range(0, count).Select(i => i * 100.0).ToArray();
        double[] total = Enumerable.Range(0, count).Select(i => dropped?.Contains(i) == true ? double.NaN : latencyMs(i)).ToArray();
        bool[] isDropped = Enumerable.Range(0, count).Select(i => dropped?.Contains(i) == true).ToArray();
        double[] empty = new double[count];
        return new FrameTraceSamples(Enumerable.Range(0, count).Select(i => (long)i).ToArray(), capture, empty, empty, empty, empty, empty, total, isDropped,
            new Dictionary<string, double[]>());
    }

    [Fact]
    public void Frames_drops_misses_and_readings_land_in_their_second()
    {
        // Frame 9 (captured at 0.9 s) takes 150 ms: it finishes in second 1 and misses the 100 ms deadline.
        FrameTraceSamples frames = Trace(3, i => i == 9 ? 150 : 10, new HashSet<int> { 12, 13 });
        TimelineReading[] readings = [new(0.5, 10, 40, 50, 20, false), new(1.2, 20, 45, 60, 30, true), new(1.8, 30, 50, 70, 40, false)];

        IReadOnlyList<TimelineSecond> timeline = SustainedTimeline.Build(frames, cameraFps: 10, readings);

        Assert.Equal(3, timeline.Count);
        Assert.Equal((9, 0, 0), (timeline[0].Frames, timeline[0].Dropped, timeline[0].DeadlineMisses));
        Assert.Equal((9, 2, 1), (timeline[1].Frames, timeline[1].Dropped, timeline[1].DeadlineMisses));
        Assert.Equal(150, timeline[1].P99Ms);
        Assert.Equal(25, timeline[1].PowerW);
        Assert.Equal(50, timeline[1].TemperatureC);
        Assert.True(timeline[1].Throttled);
        Assert.Null(timeline[2].PowerW);
    }

    [Fact]
    public void Thermal_drop_is_the_last_window_over_the_first_leaving_out_the_partial_second()
    {
        // 10 FPS for the first half of 7 s, then every other frame dropped: the last third runs at half the rate.
        var dropped = new HashSet<int>(Enumerable.Range(35, 35).Where(i => i % 2 == 1));
        IReadOnlyList<TimelineSecond> timeline = SustainedTimeline.Build(Trace(7, _ => 5, dropped), 10, []);

        Assert.Equal(0.5, SustainedTimeline.ThermalDrop(timeline)!.Value, 1);
        Assert.Null(SustainedTimeline.ThermalDrop(timeline.Take(3).ToArray()));
    }

    [Fact]
    public void The_csv_reads_back_what_was_written_and_names_a_bad_file()
    {
        IReadOnlyList<TimelineSecond> timeline = SustainedTimeline.Build(Trace(2, _ => 7.5), 10, [new(0.1, 12.5, 41, null, 55, null)]);

        string csv = SustainedTimeline.WriteCsv(timeline);
        IReadOnlyList<TimelineSecond> read = SustainedTimeline.ReadCsv(csv, "t.csv");

        Assert.Equal(SustainedTimeline.WriteCsv(read), csv);
        Assert.Equal(12.5, read[0].PowerW);
        Assert.Null(read[0].GpuUtilPct);
        Assert.Contains("not a sustained timeline", Assert.Throws<InvalidDataException>(() => SustainedTimeline.ReadCsv("x,y\n", "bad.csv")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_second_keeps_its_lowest_clock_and_a_file_from_before_clocks_still_reads()
    {
        IReadOnlyList<TimelineSecond> timeline = SustainedTimeline.Build(
            Trace(2, _ => 7.5), 10, [new(0.1, 12.5, 41, null, 55, null, 1980), new(0.6, 12.5, 41, null, 55, null, 1410), new(1.2, null, null, null, null, null)]);

        Assert.Equal(1410, timeline[0].ClockMhz);
        Assert.Null(timeline[1].ClockMhz);
        Assert.EndsWith(",1410", SustainedTimeline.WriteCsv(timeline).Split('\n')[1], StringComparison.Ordinal);

        const string legacy = "second,fps,p50_ms,p99_ms,dropped,deadline_misses,power_w,temp_c,gpu_util_pct,cpu_util_pct,throttled\n0,30,4.1,4.6,0,0,120.5,35,12,,false\n";
        TimelineSecond old = Assert.Single(SustainedTimeline.ReadCsv(legacy, "old.csv"));
        Assert.Equal((30, 120.5, false, (double?)null), (old.Frames, old.PowerW!.Value, old.Throttled!.Value, old.ClockMhz));
    }
}
