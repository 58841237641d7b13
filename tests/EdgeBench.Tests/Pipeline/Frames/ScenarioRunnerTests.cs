using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Tests.Pipeline.Frames;

public class ScenarioRunnerTests
{
    private const long Millisecond = FakeClock.TicksPerSecond / 1_000;

    [Fact]
    public void Single_stream_runs_until_both_the_minimum_duration_and_the_percentiles_frames_are_met()
    {
        var clock = new FakeClock(start: 42);
        var processor = new FakeProcessor(clock, 1, 100, 200, 500, 200);
        var trace = new FrameTrace(10_000, clock.Frequency);
        var options = new ScenarioOptions
        {
            Scenario = Scenario.SingleStream,
            MinDuration = TimeSpan.FromMilliseconds(500),
            ReportedPercentile = 0.99,
            MaxDuration = TimeSpan.FromSeconds(10),
        };

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, options);

        // 1 ms frames: 500 frames meet the duration, p99 needs 662, so 662 frames run.
        Assert.True(result.IsValid);
        Assert.Null(result.InvalidReason);
        Assert.Equal(662, result.ProcessedFrames);
        Assert.Equal(662, result.RequiredFrames);
        Assert.Equal(0, result.DroppedFrames);
        Assert.Equal(1.0, result.Latency.P99, 12);
        Assert.Equal(0, trace[5].WaitTicks);
        Assert.Equal(1000, result.DeliveredFps, 9);
        Assert.True(double.IsNaN(result.DeadlineMissPercent));
        Assert.True(result.EarlyStoppingP99.EnoughFrames);
    }

    [Fact]
    public void Warm_up_frames_run_but_are_not_recorded()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 0, 0, Millisecond, 0);
        var trace = new FrameTrace(1_000, clock.Frequency);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, new ScenarioOptions
        {
            Scenario = Scenario.SingleStream,
            WarmupFrames = 10,
        });

        Assert.Equal(10, processor.WarmupCalls);
        Assert.Equal(64, processor.MeasuredCalls);
        Assert.Equal(64, result.ProcessedFrames);
        Assert.Equal(0, trace[0].FrameNumber);
        Assert.Equal(0.064, result.ElapsedSeconds, 9);
    }

    [Theory]
    [InlineData(null, 300, "stopped by the 300 frame cap with 300 of the 662 frames p99 needs")]
    [InlineData(0.2, null, "stopped by the 0.2 s duration cap with 200 of the 662 frames p99 needs")]
    public void A_run_stopped_by_its_cap_before_the_frame_count_is_invalid(double? maxSeconds, int? maxFrames, string reason)
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 0, 0, Millisecond, 0);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, new FrameTrace(10_000, clock.Frequency), new ScenarioOptions
        {
            Scenario = Scenario.SingleStream,
            ReportedPercentile = 0.99,
            MaxDuration = maxSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            MaxFrames = maxFrames,
        });

        Assert.False(result.IsValid);
        Assert.Equal(reason, result.InvalidReason);
    }

    [Fact]
    public void A_cap_before_the_minimum_duration_names_the_duration()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 0, 0, Millisecond, 0);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, new FrameTrace(10_000, clock.Frequency), new ScenarioOptions
        {
            Scenario = Scenario.SingleStream,
            MinDuration = TimeSpan.FromSeconds(2),
            MaxFrames = 1_000,
        });

        Assert.Equal(StopReason.MaxFrames, result.StopReason);
        Assert.Equal("stopped by the 1000 frame cap with 1 s of the 2 s minimum duration", result.InvalidReason);
    }

    [Fact]
    public void A_full_trace_stops_the_run_as_a_cap()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 0, 0, Millisecond, 0);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, new FrameTrace(50, clock.Frequency), new ScenarioOptions
        {
            Scenario = Scenario.SingleStream,
        });

        Assert.Equal(StopReason.TraceFull, result.StopReason);
        Assert.Equal("stopped by the trace's capacity (50 rows) with 50 of the 64 frames p90 needs", result.InvalidReason);
    }

    [Fact]
    public void Offline_processes_whole_batches_back_to_back()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 4, Millisecond, Millisecond, 6 * Millisecond, 0);
        var trace = new FrameTrace(1_000, clock.Frequency);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, new ScenarioOptions { Scenario = Scenario.Offline });

        Assert.Equal(64, result.ProcessedFrames);
        Assert.Equal(16, processor.MeasuredCalls);
        Assert.Equal(500, result.DeliveredFps, 9);
        Assert.All(Enumerable.Range(0, trace.Count), row => Assert.Equal(8 * Millisecond, trace[row].TotalTicks));
        Assert.Equal(new StageShares(0, 0.125, 0.125, 0.75, 0), result.Latency.MedianStageShares);
    }

    [Fact]
    public void A_processor_that_throws_leaves_the_finished_frames_in_the_trace()
    {
        var clock = new FakeClock();
        var trace = new FrameTrace(100, clock.Frequency);

        Assert.Throws<InvalidOperationException>(() => new ScenarioRunner(clock).Run(
            new FailingProcessor(clock, failOnCall: 6), trace, new ScenarioOptions { Scenario = Scenario.SingleStream }));

        Assert.Equal(5, trace.Count);
        Assert.Equal(5, trace.ProcessedCount);
        Assert.Equal(4, trace[4].FrameNumber);
    }

    [Fact]
    public void An_interrupt_stops_the_run_at_the_next_batch_and_keeps_every_measured_frame()
    {
        var clock = new FakeClock();
        var trace = new FrameTrace(10_000, clock.Frequency);
        using var stop = new CancellationTokenSource();
        var processor = new InterruptingProcessor(clock, stop, interruptOnCall: 20);
        var options = new ScenarioOptions
        {
            Scenario = Scenario.SingleStream,
            MinDuration = TimeSpan.FromMinutes(10),
            Stop = stop.Token,
        };

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, options);

        // The batch during which the signal came finishes and is recorded; no further batch starts.
        Assert.Equal(StopReason.Interrupted, result.StopReason);
        Assert.Equal(20, result.ProcessedFrames);
        Assert.Equal(20, trace.ProcessedCount);
        Assert.False(result.IsValid);
        Assert.Equal(
            "stopped by an interrupt (the frames measured until then are kept) with 20 of the 64 frames p90 needs and 0.02 s of the 600 s minimum duration",
            result.InvalidReason);
    }

    [Fact]
    public void An_interrupt_after_the_run_rules_are_met_does_not_invalidate_the_run()
    {
        var clock = new FakeClock();
        var trace = new FrameTrace(10_000, clock.Frequency);
        using var stop = new CancellationTokenSource();
        var options = new ScenarioOptions { Scenario = Scenario.SingleStream, Stop = stop.Token };

        ScenarioResult result = new ScenarioRunner(clock).Run(new InterruptingProcessor(clock, stop, interruptOnCall: 64), trace, options);

        Assert.Equal(StopReason.Completed, result.StopReason);
        Assert.Equal(64, result.ProcessedFrames);
    }

    [Fact]
    public void Single_stream_rejects_a_batched_processor()
    {
        var clock = new FakeClock();
        Assert.Throws<ArgumentException>(() => new ScenarioRunner(clock).Run(
            new FakeProcessor(clock, 2, 0, 0, 1, 0), new FrameTrace(10, clock.Frequency), new ScenarioOptions { Scenario = Scenario.SingleStream }));
    }

    [Fact]
    public void A_duration_cap_below_the_minimum_duration_is_rejected()
    {
        var clock = new FakeClock();
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ScenarioRunner(clock).Run(
            new FakeProcessor(clock, 1, 0, 0, 1, 0),
            new FrameTrace(10, clock.Frequency),
            new ScenarioOptions { Scenario = Scenario.Camera, MinDuration = TimeSpan.FromSeconds(10), MaxDuration = TimeSpan.FromSeconds(5) }));
        Assert.Contains("duration cap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Camera_at_30_fps_with_50_ms_processing_drops_every_third_frame()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 5 * Millisecond, 10 * Millisecond, 30 * Millisecond, 5 * Millisecond);
        var trace = new FrameTrace(1_000, clock.Frequency);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, Camera(30, maxFrames: 300));

        // Frame 0 at 0 ms, done at 50: frame 1 (33.3 ms) is newest; done at 100: frame 3 arrived at 100 and
        // overwrote 2; done at 150: frame 4 (133.3); done at 200: frame 6 overwrote 5... every third is lost.
        long[] dropped = DroppedFrames(trace);
        Assert.Equal([2L, 5L, 8L, 11L], dropped[..4]);
        Assert.Equal(ReferenceCamera(30, [.. Enumerable.Repeat(50 * Millisecond, 300)]), dropped);
        Assert.Equal(300, result.ProcessedFrames);
        Assert.Equal(149, result.DroppedFrames);
        Assert.Equal(100.0 * 149 / 449, result.DroppedPercent, 9);
        Assert.Equal(20, result.DeliveredFps, 1);
        // Every frame takes at least 50 ms > 33.3 ms: all miss the deadline.
        Assert.Equal(300, result.DeadlineMisses);
        Assert.Equal(100, result.DeadlineMissPercent);
    }

    [Fact]
    public void Camera_with_jittery_processing_drops_exactly_what_the_reference_model_drops()
    {
        var clock = new FakeClock();
        var random = new Random(20_240_611);
        // 10..90 ms per frame around the 33.3 ms period: sometimes the pipeline idles, sometimes it loses several frames.
        long[] processing = Enumerable.Range(0, 800).Select(_ => (long)random.Next(10_000, 90_000)).ToArray();
        var processor = FakeProcessor.Scripted(clock, 1, processing);
        var trace = new FrameTrace(5_000, clock.Frequency);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, Camera(30, maxFrames: 800));

        long[] expected = ReferenceCamera(30, processing);
        Assert.Equal(expected, DroppedFrames(trace));
        Assert.Equal(expected.Length, result.DroppedFrames);
        Assert.InRange(result.DroppedFrames, 100, 2_000);
        Assert.InRange(result.DeadlineMisses, 1, 799);
    }

    [Fact]
    public void A_fast_pipeline_keeps_up_with_the_camera_and_waits_for_each_frame()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 0, 0, 10 * Millisecond, 0);
        var trace = new FrameTrace(1_000, clock.Frequency);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, Camera(30, maxFrames: 100));

        Assert.Equal(0, result.DroppedFrames);
        Assert.Equal(0, result.DeadlineMisses);
        Assert.Equal(10.0, result.Latency.P99, 9);
        Assert.Equal(30, result.DeliveredFps, 0);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), Enumerable.Range(0, trace.Count).Select(r => trace[r].FrameNumber));
    }

    [Fact]
    public void Camera_at_batch_N_waits_for_N_frames_and_that_wait_is_latency()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 2, 0, 0, Millisecond, 0);
        var trace = new FrameTrace(1_000, clock.Frequency);

        ScenarioResult result = new ScenarioRunner(clock).Run(processor, trace, Camera(30, maxFrames: 100));

        // Frames 0 and 1 start when frame 1 is captured (33.333 ms): frame 0 waited one period, frame 1 none.
        Assert.Equal((0L, 33_333L, 34_333L), (trace[0].FrameNumber, trace[0].WaitTicks, trace[0].TotalTicks));
        Assert.Equal((1L, 0L, 1_000L), (trace[1].FrameNumber, trace[1].WaitTicks, trace[1].TotalTicks));
        Assert.Equal((2L, 33_334L), (trace[2].FrameNumber, trace[2].WaitTicks));
        Assert.Equal(0, result.DroppedFrames);
        Assert.Equal(50, result.DeadlineMisses);
    }

    [Fact]
    public void The_measured_loop_allocates_nothing_per_frame()
    {
        var clock = new FakeClock();
        var processor = new FakeProcessor(clock, 1, 1, 2, 50 * Millisecond, 3);
        var trace = new FrameTrace(20_000, clock.Frequency, ["device_done"]);
        var runner = new ScenarioRunner(clock);
        ScenarioOptions small = Camera(30, maxFrames: 10);
        ScenarioOptions large = Camera(30, maxFrames: 5_000);
        // Both sizes once first: tiered JIT's recompilation of the loop (on-stack replacement after many iterations)
        // may allocate on this thread during the first long run, which is the runtime's cost, not the loop's.
        runner.Measure(processor, trace, small);
        runner.Measure(processor, trace, large);

        long Allocated(ScenarioOptions options)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            runner.Measure(processor, trace, options);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // The loop's only allocations are its two batch-sized arrays: the same for 10 frames as for 5,000.
        Assert.Equal(Allocated(small), Allocated(large));
        Assert.Equal(5_000, trace.ProcessedCount);
        Assert.True(trace.DroppedCount > 1_000);
    }

    private static ScenarioOptions Camera(double fps, int maxFrames) => new()
    {
        Scenario = Scenario.Camera,
        CameraFps = fps,
        ReportedPercentile = 0.9,
        MinDuration = TimeSpan.FromHours(1),
        MaxFrames = maxFrames,
    };

    private static long[] DroppedFrames(FrameTrace trace) =>
        [.. Enumerable.Range(0, trace.Count).Where(r => trace[r].Dropped).Select(r => trace[r].FrameNumber)];

    /// <summary>
    /// An independent model of a one-slot newest-wins camera: frame k is captured at floor(k · 1e6 / fps) µs; a pipeline
    /// free at time t takes the newest frame captured by t if it has not had it, else waits for the next capture;
    /// every frame captured between two takes and not taken was overwritten. Linear scans, no shared code.
    /// </summary>
    private static long[] ReferenceCamera(double fps, long[] processingTicks)
    {
        long Capture(long k) => (long)Math.Floor(k * 1_000_000.0 / fps);
        var dropped = new List<long>();
        long now = 0;
        long last = -1;
        foreach (long processing in processingTicks)
        {
            long newest = -1;
            while (Capture(newest + 1) <= now)
            {
                newest++;
            }

            long take = newest > last ? newest : last + 1;
            for (long k = last + 1; k < take; k++)
            {
                dropped.Add(k);
            }

            now = Math.Max(now, Capture(take)) + processing;
            last = take;
        }

        return [.. dropped];
    }

    /// <summary>Marks two stages of call <c>failOnCall</c>, then throws, as a pipeline failing mid-batch would.</summary>
    private sealed class FailingProcessor(FakeClock clock, int failOnCall) : IFrameBatchProcessor
    {
        private int _calls;

        public int BatchSize => 1;

        public void Process(FrameBatch batch)
        {
            _calls++;
            clock.Advance(1_000);
            batch.Mark(FrameStage.ToTensor);
            batch.Mark(FrameStage.Preprocess);
            if (_calls == failOnCall)
            {
                throw new InvalidOperationException("inference failed");
            }

            batch.Mark(FrameStage.Inference);
            batch.Mark(FrameStage.Postprocess);
        }
    }

    /// <summary>1 ms frames; signals <paramref name="stop"/> during call <paramref name="interruptOnCall"/>, as Ctrl+C mid-frame would.</summary>
    private sealed class InterruptingProcessor(FakeClock clock, CancellationTokenSource stop, int interruptOnCall) : IFrameBatchProcessor
    {
        private int _calls;

        public int BatchSize => 1;

        public void Process(FrameBatch batch)
        {
            if (++_calls == interruptOnCall)
            {
                stop.Cancel();
            }

            clock.Advance(Millisecond);
            batch.Mark(FrameStage.ToTensor);
            batch.Mark(FrameStage.Preprocess);
            batch.Mark(FrameStage.Inference);
            batch.Mark(FrameStage.Postprocess);
        }
    }
}
