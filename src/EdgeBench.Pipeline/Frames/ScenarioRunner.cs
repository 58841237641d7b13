using System.Globalization;

namespace EdgeBench.Pipeline.Frames;

/// <summary>Why a run stopped.</summary>
public enum StopReason
{
    /// <summary>Both the minimum duration and the reported percentile's minimum frame count were met.</summary>
    Completed,

    /// <summary>The maximum duration cap.</summary>
    MaxDuration,

    /// <summary>The maximum frame cap.</summary>
    MaxFrames,

    /// <summary>The trace had no room for the next batch (and the frames it dropped).</summary>
    TraceFull,

    /// <summary>
    /// <see cref="ScenarioOptions.Stop"/> was signalled (Ctrl+C, SIGTERM): the frames measured so far are kept and
    /// reported, and the run is invalid unless its rules were already met.
    /// </summary>
    Interrupted,
}

/// <summary>How one scenario runs: pacing, warm-up, and LoadGen-style run rules.</summary>
public sealed record ScenarioOptions
{
    /// <summary>The scenario.</summary>
    public required Scenario Scenario { get; init; }

    /// <summary>The camera rate (camera scenario only).</summary>
    public double CameraFps { get; init; } = 30;

    /// <summary>Frames processed back to back before measuring and not recorded (rounded up to whole batches).</summary>
    public int WarmupFrames { get; init; }

    /// <summary>The run lasts at least this long (LoadGen's min_duration).</summary>
    public TimeSpan MinDuration { get; init; }

    /// <summary>
    /// The percentile the run reports (0.9 for single-stream as in MLPerf, 0.99 for camera p99): the run lasts until
    /// <see cref="EarlyStopping.MinimumFrames"/> of it have been processed.
    /// </summary>
    public double ReportedPercentile { get; init; } = 0.9;

    /// <summary>Cap on the measured duration; null for none.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Cap on processed frames; null for none.</summary>
    public int? MaxFrames { get; init; }

    /// <summary>
    /// Ends the run early, keeping what it measured (checked between batches, so a batch in flight finishes and is
    /// recorded). A token rather than a callback: one volatile read per batch inside the measured loop.
    /// </summary>
    public CancellationToken Stop { get; init; }

    /// <summary>Processed frames the run needs: <see cref="EarlyStopping.MinimumFrames"/> of <see cref="ReportedPercentile"/>.</summary>
    public int RequiredFrames => EarlyStopping.MinimumFrames(ReportedPercentile);
}

/// <summary>
/// Runs a scenario over an <see cref="IFrameBatchProcessor"/>, recording every frame into a <see cref="FrameTrace"/>.
/// The measured loop allocates nothing: frame numbers and capture times live in two arrays sized to the batch,
/// and all statistics are computed after the loop.
/// </summary>
/// <remarks>
/// <para>single-stream and offline: a batch's frames are available when processing starts (capture = start, no wait).</para>
/// <para>camera: the camera starts at the first measured instant (warm-up runs back to back beforehand, so the
/// camera's first frame meets a warm pipeline). When the pipeline is free it takes the newest frame in the slot, or
/// waits for the next capture; frames overwritten meanwhile are recorded as dropped. At batch N the pipeline then
/// waits for the N - 1 following captures (each taken as it arrives, so none is dropped) and starts once the last is
/// captured: the batch's assembly is part of each frame's latency.</para>
/// <para>Run rules, as LoadGen's: the run continues until both <see cref="ScenarioOptions.MinDuration"/> has passed
/// and <see cref="ScenarioOptions.RequiredFrames"/> have been processed; a cap (<see cref="ScenarioOptions.MaxDuration"/>,
/// <see cref="ScenarioOptions.MaxFrames"/>, or the trace's capacity) that stops it first makes it invalid, with a
/// reason naming what was missing.</para>
/// </remarks>
public sealed class ScenarioRunner
{
    private readonly IFrameClock _clock;

    public ScenarioRunner(IFrameClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>
    /// Runs <paramref name="options"/>' scenario. <paramref name="trace"/> is cleared first and holds the measured
    /// frames afterwards (write it with <see cref="FrameTraceCsv.Write"/>); its clock frequency must be this runner's.
    /// Size it for the longest run: processed plus dropped frames (for a camera, about maximum duration × fps).
    /// </summary>
    public ScenarioResult Run(IFrameBatchProcessor processor, FrameTrace trace, ScenarioOptions options)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(options);
        int batchSize = processor.BatchSize;
        Validate(options, batchSize, trace);

        RunWindow window = Measure(processor, trace, options);
        return Summarize(trace, options, batchSize, window);
    }

    /// <summary>Warm-up, then the measured loop. Allocation-free after the two batch arrays.</summary>
    internal RunWindow Measure(IFrameBatchProcessor processor, FrameTrace trace, ScenarioOptions options)
    {
        int batchSize = processor.BatchSize;
        long[] frameNumbers = new long[batchSize];
        long[] captureTicks = new long[batchSize];
        trace.Clear();

        // Warm-up frames are numbered below zero so they can never be mistaken for measured ones.
        for (int warmed = 0; warmed < options.WarmupFrames; warmed += batchSize)
        {
            for (int i = 0; i < batchSize; i++)
            {
                frameNumbers[i] = warmed + i - options.WarmupFrames - batchSize;
            }

            processor.Process(new FrameBatch(null, _clock, frameNumbers));
        }

        long frequency = _clock.Frequency;
        long measureStart = _clock.Now;
        long minDurationTicks = ToTicks(options.MinDuration, frequency);
        long maxDurationTicks = options.MaxDuration is { } maxDuration ? ToTicks(maxDuration, frequency) : long.MaxValue;
        int maxFrames = options.MaxFrames ?? int.MaxValue;
        int requiredFrames = options.RequiredFrames;
        bool camera = options.Scenario == Scenario.Camera;
        var schedule = new CameraSchedule(options.CameraFps, measureStart, frequency);

        long lastTaken = -1;
        StopReason stop;
        while (true)
        {
            long elapsed = _clock.Now - measureStart;
            if (elapsed >= minDurationTicks && trace.ProcessedCount >= requiredFrames)
            {
                stop = StopReason.Completed;
                break;
            }

            if (elapsed >= maxDurationTicks)
            {
                stop = StopReason.MaxDuration;
                break;
            }

            if (options.Stop.IsCancellationRequested)
            {
                stop = StopReason.Interrupted;
                break;
            }

            if (trace.ProcessedCount >= maxFrames)
            {
                stop = StopReason.MaxFrames;
                break;
            }

            long first = camera ? schedule.FrameToTake(lastTaken, _clock.Now) : lastTaken + 1;
            long dropped = first - lastTaken - 1;
            if (dropped + batchSize > trace.Remaining)
            {
                stop = StopReason.TraceFull;
                break;
            }

            for (long frame = lastTaken + 1; frame < first; frame++)
            {
                trace.RecordDropped(frame, schedule.CaptureTicks(frame));
            }

            for (int i = 0; i < batchSize; i++)
            {
                frameNumbers[i] = first + i;
            }

            long start;
            if (camera)
            {
                for (int i = 0; i < batchSize; i++)
                {
                    captureTicks[i] = schedule.CaptureTicks(first + i);
                }

                _clock.WaitUntil(captureTicks[batchSize - 1]);
                start = _clock.Now;
            }
            else
            {
                start = _clock.Now;
                captureTicks.AsSpan().Fill(start);
            }

            trace.BeginBatch(frameNumbers, captureTicks, start);
            try
            {
                processor.Process(new FrameBatch(trace, _clock, frameNumbers));
                trace.EndBatch();
            }
            catch
            {
                // The trace keeps the frames finished before the failure, ready to be written.
                trace.DiscardOpenBatch();
                throw;
            }
            lastTaken = first + batchSize - 1;
        }

        return new RunWindow(measureStart, _clock.Now, stop);
    }

    private static ScenarioResult Summarize(FrameTrace trace, ScenarioOptions options, int batchSize, RunWindow window)
    {
        double elapsedSeconds = (window.EndTicks - window.StartTicks) / (double)trace.TicksPerSecond;
        int processed = trace.ProcessedCount;
        int dropped = trace.DroppedCount;
        bool camera = options.Scenario == Scenario.Camera;

        int deadlineMisses = 0;
        if (camera)
        {
            // Deadline: a frame's result must be ready within one frame period of its capture.
            double periodTicks = trace.TicksPerSecond / options.CameraFps;
            for (int row = 0; row < trace.Count; row++)
            {
                FrameRecord record = trace[row];
                if (!record.Dropped && record.TotalTicks > periodTicks)
                {
                    deadlineMisses++;
                }
            }
        }

        double[] totals = trace.ProcessedTotalsMilliseconds();
        int requiredFrames = options.RequiredFrames;
        return new ScenarioResult
        {
            Scenario = options.Scenario,
            BatchSize = batchSize,
            CameraFps = camera ? options.CameraFps : double.NaN,
            StopReason = window.Stop,
            InvalidReason = window.Stop == StopReason.Completed ? null : InvalidReason(options, window, processed, requiredFrames, trace),
            RequiredFrames = requiredFrames,
            ProcessedFrames = processed,
            DroppedFrames = dropped,
            DroppedPercent = processed + dropped > 0 ? 100.0 * dropped / (processed + dropped) : 0,
            ElapsedSeconds = elapsedSeconds,
            DeliveredFps = elapsedSeconds > 0 ? processed / elapsedSeconds : double.NaN,
            DeadlineMisses = deadlineMisses,
            DeadlineMissPercent = camera && processed > 0 ? 100.0 * deadlineMisses / processed : double.NaN,
            Latency = LatencyStatistics.FromTrace(trace),
            EarlyStoppingP90 = EarlyStopping.Estimate(totals, 0.90),
            EarlyStoppingP99 = EarlyStopping.Estimate(totals, 0.99),
        };
    }

    private static string InvalidReason(ScenarioOptions options, RunWindow window, int processed, int requiredFrames, FrameTrace trace)
    {
        string cap = window.Stop switch
        {
            StopReason.MaxDuration => $"the {Seconds(options.MaxDuration!.Value.TotalSeconds)} s duration cap",
            StopReason.MaxFrames => $"the {options.MaxFrames} frame cap",
            StopReason.Interrupted => "an interrupt (the frames measured until then are kept)",
            _ => $"the trace's capacity ({trace.Capacity} rows)",
        };
        double elapsedSeconds = (window.EndTicks - window.StartTicks) / (double)trace.TicksPerSecond;
        var missing = new List<string>(2);
        if (processed < requiredFrames)
        {
            missing.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{processed} of the {requiredFrames} frames p{Seconds(options.ReportedPercentile * 100)} needs"));
        }

        if (elapsedSeconds < options.MinDuration.TotalSeconds)
        {
            missing.Add($"{Seconds(elapsedSeconds)} s of the {Seconds(options.MinDuration.TotalSeconds)} s minimum duration");
        }

        return missing.Count == 0
            ? $"stopped by {cap}"
            : $"stopped by {cap} with {string.Join(" and ", missing)}";
    }

    private static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static long ToTicks(TimeSpan duration, long frequency) =>
        (long)Math.Round(duration.TotalSeconds * frequency);

    private static void Validate(ScenarioOptions options, int batchSize, FrameTrace trace)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (options.Scenario == Scenario.SingleStream && batchSize != 1)
        {
            throw new ArgumentException($"single-stream runs batch 1; the processor's batch size is {batchSize}.", nameof(options));
        }

        if (!(options.CameraFps > 0) || double.IsInfinity(options.CameraFps))
        {
            throw new ArgumentException($"Camera FPS {options.CameraFps} is invalid; expected a rate above 0.", nameof(options));
        }

        if (options.WarmupFrames < 0 || options.MinDuration < TimeSpan.Zero || options.MaxDuration < TimeSpan.Zero || options.MaxFrames < 1)
        {
            throw new ArgumentException(
                $"Run rules need warm-up >= 0 frames, durations >= 0 and a frame cap >= 1; got warm-up {options.WarmupFrames}, " +
                $"min {options.MinDuration}, max {options.MaxDuration}, frame cap {options.MaxFrames}.",
                nameof(options));
        }

        if (options.MaxDuration < options.MinDuration)
        {
            throw new ArgumentException(
                $"The duration cap {options.MaxDuration} is below the minimum duration {options.MinDuration}; no run could be valid.", nameof(options));
        }

        if (!(options.ReportedPercentile > 0 && options.ReportedPercentile < 1))
        {
            throw new ArgumentException($"Reported percentile {options.ReportedPercentile} is invalid; expected a fraction in (0, 1), e.g. 0.99.", nameof(options));
        }

        if (trace.Capacity < batchSize)
        {
            throw new ArgumentException($"The trace holds {trace.Capacity} rows, fewer than one batch of {batchSize}.", nameof(trace));
        }
    }
}

/// <summary>The measured window of a run: from the first measured instant to the end of the last batch.</summary>
internal readonly record struct RunWindow(long StartTicks, long EndTicks, StopReason Stop);

/// <summary>The outcome of one scenario run. Percentages are 0..100; latencies in milliseconds.</summary>
public sealed record ScenarioResult
{
    public required Scenario Scenario { get; init; }

    public required int BatchSize { get; init; }

    /// <summary>The camera rate; NaN outside the camera scenario.</summary>
    public required double CameraFps { get; init; }

    public required StopReason StopReason { get; init; }

    /// <summary>Whether the run met its rules (stopped because they were met, not by a cap).</summary>
    public bool IsValid => StopReason == StopReason.Completed;

    /// <summary>Why the run is invalid, e.g. "stopped by the 60 s duration cap with 412 of the 662 frames p99 needs"; null when valid.</summary>
    public required string? InvalidReason { get; init; }

    /// <summary>Processed frames the reported percentile needs.</summary>
    public required int RequiredFrames { get; init; }

    public required int ProcessedFrames { get; init; }

    /// <summary>Frames the camera captured and overwrote before the pipeline took them (0 outside the camera scenario).</summary>
    public required int DroppedFrames { get; init; }

    /// <summary>Dropped frames as a share of recorded frames (processed + dropped).</summary>
    public required double DroppedPercent { get; init; }

    /// <summary>The measured window: first measured instant to the end of the last batch.</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>Processed frames per second over the measured window (the rate results come out).</summary>
    public required double DeliveredFps { get; init; }

    /// <summary>Processed frames whose latency exceeded one camera period (0 outside the camera scenario).</summary>
    public required int DeadlineMisses { get; init; }

    /// <summary>Deadline misses as a share of processed frames; NaN outside the camera scenario.</summary>
    public required double DeadlineMissPercent { get; init; }

    /// <summary>Per-frame latency (capture to results) statistics with stage shares.</summary>
    public required LatencyStatistics Latency { get; init; }

    public required EarlyStoppingEstimate EarlyStoppingP90 { get; init; }

    public required EarlyStoppingEstimate EarlyStoppingP99 { get; init; }
}
