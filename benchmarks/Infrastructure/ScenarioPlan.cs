using System.Globalization;
using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// How a scenario case runs under the run's settings: LoadGen-style run rules (a minimum duration and the frame count
/// the reported percentile needs, with a cap), the camera rate, the warm-up, and a trace sized for the longest run.
/// </summary>
/// <param name="Options">What the <see cref="ScenarioRunner"/> is given.</param>
/// <param name="TraceCapacity">Frame rows the trace holds: processed plus dropped frames of the longest allowed run.</param>
internal sealed record ScenarioPlan(ScenarioOptions Options, int TraceCapacity)
{
    /// <summary>
    /// The percentile every scenario's run rules are sized for: p90, as MLPerf's single-stream reports, because its 64
    /// frames fit the default suite's budget even for SSD300 on a 2-core CPU (~12 s); p99 needs 662 frames (22 s of a
    /// 30 FPS camera) and is reported, with its early-stopping estimate, whenever a run reaches that many
    /// (--min-duration 30s does for any model that keeps up with the camera).
    /// </summary>
    public const double ReportedPercentile = 0.9;

    /// <summary>Frames no real pipeline exceeds per second; sizes the trace of unpaced scenarios (0.25 ms per frame).</summary>
    private const int MaxUnpacedFramesPerSecond = 4_000;

    /// <summary>Rows above which the trace would take hundreds of MB (about 60 bytes a row).</summary>
    private const int MaxTraceRows = 4_000_000;

    /// <summary>The default cap: long enough for SSD300's 64 frames at fp16 on a 2-core CPU, short enough to bound a stuck case.</summary>
    private static readonly TimeSpan s_minimumCap = TimeSpan.FromSeconds(30);

    public static ScenarioPlan For(Scenario scenario, int batch, RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TimeSpan minimum = settings.Sustained ?? settings.MinDuration;
        // Sustained runs last their duration; the cap only leaves room for the percentile's frames. A normal run may
        // take three times its minimum (a slow model's 64 frames) but no less than 30 s before it is stopped as invalid.
        TimeSpan cap = settings.Sustained is { } sustained
            ? sustained + s_minimumCap
            : TimeSpan.FromTicks(Math.Max(s_minimumCap.Ticks, 3 * minimum.Ticks));
        var options = new ScenarioOptions
        {
            Scenario = scenario,
            CameraFps = settings.CameraFps,
            // Two batches (at least 4 frames) back to back before measuring: the first runs of a session are slow
            // (allocations, kernel selection) and the camera's first frame should meet a warm pipeline.
            WarmupFrames = Math.Max(4, 2 * batch),
            MinDuration = minimum,
            MaxDuration = cap,
            ReportedPercentile = ReportedPercentile,
            Stop = RunInterruption.Token,
        };
        double framesPerSecond = scenario == Scenario.Camera ? settings.CameraFps * 1.05 + 1 : MaxUnpacedFramesPerSecond;
        double rows = (cap.TotalSeconds * framesPerSecond) + (4 * batch) + 64;
        return new ScenarioPlan(options, (int)Math.Min(MaxTraceRows, Math.Ceiling(rows)));
    }

    /// <summary>The line a scenario prints as its measured window starts (a sustained window can last hours).</summary>
    public static string DescribeStart(ScenarioPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ScenarioOptions options = plan.Options;
        string camera = options.Scenario == Scenario.Camera ? string.Create(CultureInfo.InvariantCulture, $" at {options.CameraFps:0.#} FPS") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"// {options.Scenario.ToName()}{camera}: measuring for at least {Cli.OptionValues.FormatDuration(options.MinDuration)} and {options.RequiredFrames} frames (cap {Cli.OptionValues.FormatDuration(options.MaxDuration!.Value)}); Ctrl+C stops it and keeps the frames measured");
    }

    /// <summary>One line for the run's log: what the case measured and whether the run rules were met.</summary>
    public static string Describe(ScenarioRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        string camera = record.CameraFps is double fps
            ? string.Create(CultureInfo.InvariantCulture, $", camera {fps:0.#} FPS: {record.DroppedPercent:0.#}% dropped, {record.DeadlineMissPercent:0.#}% over {1000 / fps:0.#} ms")
            : string.Empty;
        string device = record.DeviceSplit is { } split
            ? string.Create(CultureInfo.InvariantCulture, $"; inference per frame: copies {split.TransferMilliseconds:0.###} ms, host enqueue {split.HostEnqueueMilliseconds:0.###} ms, device {split.DeviceComputeMilliseconds:0.###} ms")
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"// {record.Scenario}: {record.Frames} frames in {record.ElapsedSeconds:0.0} s ({record.DeliveredFps:0.0} FPS), p50 {record.P50Ms:0.###} ms, p90 {record.P90Ms:0.###} ms, p99 {record.P99Ms:0.###} ms{camera}{device}; {(record.Valid ? "valid" : "invalid: " + record.InvalidReason)}; trace {record.TraceFile}");
    }
}
