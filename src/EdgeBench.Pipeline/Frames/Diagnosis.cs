using System.Globalization;

namespace EdgeBench.Pipeline.Frames;

/// <summary>What the diagnosis rules look at for one case. Null members are unknown, and rules that need them stay silent.</summary>
public sealed record DiagnosisInput
{
    /// <summary>Median share of the frame total per stage (from <see cref="LatencyStatistics.MedianStageShares"/>).</summary>
    public StageShares? StageShares { get; init; }

    /// <summary>
    /// Coefficient of variation of each frame's processing time (start of its batch to its results), in percent: the
    /// pipeline's own stability. A camera frame's wait for the pipeline or for the rest of its batch varies by design
    /// (at batch 8 the first frame waits seven camera periods, the last none) and is left out.
    /// </summary>
    public double? FrameTimeCovPercent { get; init; }

    /// <summary>Per-frame host↔device copy time (H2D + D2H), milliseconds, where the path measures it.</summary>
    public double? TransferMilliseconds { get; init; }

    /// <summary>Per-frame device compute time, milliseconds, where the path measures it.</summary>
    public double? DeviceComputeMilliseconds { get; init; }

    /// <summary>Per-frame host time to enqueue the device work, milliseconds, where the path measures it.</summary>
    public double? HostEnqueueMilliseconds { get; init; }

    /// <summary>Per-frame device time the enqueue is compared with (compute, or compute + copies), milliseconds.</summary>
    public double? DeviceMilliseconds { get; init; }

    /// <summary>What the telemetry sampler saw during the window; null when no sampler ran.</summary>
    public TelemetryObservation? Telemetry { get; init; }

    /// <summary>Camera scenario: dropped frames in percent of captured frames; null for other scenarios.</summary>
    public double? CameraDroppedPercent { get; init; }
}

/// <summary>Telemetry over the measured window.</summary>
/// <param name="SampleCount">Samples the sampler delivered inside the window.</param>
/// <param name="ClockName">The clock the MHz values belong to, e.g. "SM" or "GPU" or "ARM".</param>
/// <param name="ClockStartMHz">The clock at the start of the window (or its maximum); null when not sampled.</param>
/// <param name="ClockEndMHz">The clock at the end of the window (or its minimum); null when not sampled.</param>
/// <param name="ThrottleReason">
/// A throttle flag the device reported, in words (e.g. "under-voltage, ARM frequency capped" from the Pi's
/// get_throttled bits, or nvidia-smi's "HW slowdown"); null when none was set.
/// </param>
public sealed record TelemetryObservation(
    int SampleCount, string ClockName, double? ClockStartMHz, double? ClockEndMHz, string? ThrottleReason = null);

/// <summary>The rules, in the order their findings are reported.</summary>
public enum DiagnosisRule
{
    /// <summary>The device slowed down during the window: every other number describes a slower device.</summary>
    Throttled,

    /// <summary>Frame times vary too much for their mean to mean much.</summary>
    Unstable,

    /// <summary>The pipeline cannot keep up with the camera.</summary>
    CameraDrops,

    /// <summary>One stage takes most of the frame time.</summary>
    StageBound,

    /// <summary>Copies take at least as long as the compute they feed.</summary>
    TransferBound,

    /// <summary>The host enqueues work about as slowly as the device runs it.</summary>
    LaunchBound,

    /// <summary>Too few telemetry samples to judge clocks and throttling.</summary>
    TelemetryIncomplete,
}

/// <summary>One rule that fired, and its message (e.g. "preprocess-bound: preprocess 61% of frame time").</summary>
public readonly record struct DiagnosisFinding(DiagnosisRule Rule, string Message);

/// <summary>
/// trtexec-style verdicts for the whole pipeline: pure rules over a <see cref="DiagnosisInput"/>. trtexec warns when
/// enqueue &gt; 80% of GPU compute ("try CUDA graphs"), when a copy takes as long as compute, and when compute time's
/// CoV exceeds 1%; EdgeBench adds the application's stages, the camera and the board's telemetry.
/// </summary>
public static class Diagnosis
{
    /// <summary>
    /// A stage over half the frame time is the bottleneck by definition: halving every other stage could not make the
    /// frame twice as fast, so that stage is where optimisation pays.
    /// </summary>
    public const double StageBoundShare = 0.50;

    /// <summary>
    /// Copies at least as long as device compute (trtexec's rule for H2D and D2H): overlapping them, pinning memory or
    /// moving preprocessing onto the device gains more than faster kernels.
    /// </summary>
    public const double TransferBoundRatio = 1.0;

    /// <summary>
    /// Host enqueue at or above 80% of device time (trtexec's kENQUEUE_BOUND_REPORTING_THRESHOLD): the GPU idles
    /// between launches, which a captured CUDA graph removes.
    /// </summary>
    public const double LaunchBoundEnqueueRatio = 0.80;

    /// <summary>
    /// Frame-time CoV above 10% marks a run unstable. trtexec uses 1% for GPU kernel time alone; a whole pipeline on a
    /// shared CPU (GC, scheduler, other processes) routinely shows a few percent, while 10% means tail percentiles
    /// and run-to-run diffs are dominated by noise.
    /// </summary>
    public const double UnstableCovPercent = 10.0;

    /// <summary>
    /// A clock that ends 10% or more below where it started was throttled: DVFS and boost steps move clocks by a few
    /// percent under normal load (a 15 MHz boost bin is under 1% of 1.9 GHz), thermal or power capping by more.
    /// </summary>
    public const double ThrottleClockDropFraction = 0.10;

    /// <summary>
    /// At least 3 samples in the window: a start, an end and one between, the least from which a clock trend or a
    /// throttle event can be read. Fewer means the window was shorter than the sampler's interval allows.
    /// </summary>
    public const int MinimumTelemetrySamples = 3;

    /// <summary>
    /// Dropping 5% or more of camera frames means the pipeline cannot keep up on average; below that, drops are
    /// occasional hiccups (a GC pause, a scheduler stall) that a tracker downstream rides through.
    /// </summary>
    public const double CameraDropPercent = 5.0;

    /// <summary>Every rule that fires on <paramref name="input"/>, in <see cref="DiagnosisRule"/> order.</summary>
    public static IReadOnlyList<DiagnosisFinding> Evaluate(DiagnosisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var findings = new List<DiagnosisFinding>();
        Throttled(input, findings);
        Unstable(input, findings);
        CameraDrops(input, findings);
        StageBound(input, findings);
        TransferBound(input, findings);
        LaunchBound(input, findings);
        TelemetryIncomplete(input, findings);
        return findings;
    }

    /// <summary>The verdict line: every finding's message joined by "; ", or empty when no rule fires.</summary>
    public static string Summarize(DiagnosisInput input) => string.Join("; ", Evaluate(input).Select(f => f.Message));

    private static void Throttled(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.Telemetry is not { } telemetry)
        {
            return;
        }

        if (telemetry.ClockStartMHz is { } start && telemetry.ClockEndMHz is { } end && start > 0
            && (start - end) / start >= ThrottleClockDropFraction)
        {
            string reason = string.IsNullOrEmpty(telemetry.ThrottleReason) ? string.Empty : $" ({telemetry.ThrottleReason})";
            findings.Add(new(DiagnosisRule.Throttled, Invariant($"throttled: {telemetry.ClockName} clock {start:0} -> {end:0} MHz during the window{reason}")));
        }
        else if (!string.IsNullOrEmpty(telemetry.ThrottleReason))
        {
            findings.Add(new(DiagnosisRule.Throttled, $"throttled: {telemetry.ThrottleReason}"));
        }
    }

    private static void Unstable(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.FrameTimeCovPercent is { } cov && cov > UnstableCovPercent)
        {
            findings.Add(new(DiagnosisRule.Unstable, Invariant($"unstable: processing-time CoV {cov:0}%")));
        }
    }

    private static void CameraDrops(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.CameraDroppedPercent is { } dropped && dropped >= CameraDropPercent)
        {
            findings.Add(new(DiagnosisRule.CameraDrops, Invariant($"camera: cannot keep up, {dropped:0}% of frames dropped")));
        }
    }

    private static void StageBound(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.StageShares is not { } shares)
        {
            return;
        }

        // The four processing stages only: waiting for frames is the camera's pace, which CameraDrops covers.
        (string Name, double Share) largest = ("to-tensor", shares.ToTensor);
        foreach ((string Name, double Share) stage in (ReadOnlySpan<(string, double)>)[
            ("preprocess", shares.Preprocess), ("inference", shares.Inference), ("postprocess", shares.Postprocess)])
        {
            if (stage.Share > largest.Share)
            {
                largest = stage;
            }
        }

        if (largest.Share >= StageBoundShare)
        {
            findings.Add(new(DiagnosisRule.StageBound, Invariant($"{largest.Name}-bound: {largest.Name} {largest.Share * 100:0}% of frame time")));
        }
    }

    private static void TransferBound(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.TransferMilliseconds is { } transfer && input.DeviceComputeMilliseconds is { } compute && compute > 0
            && transfer >= TransferBoundRatio * compute)
        {
            findings.Add(new(DiagnosisRule.TransferBound, Invariant($"transfer-bound: copies {transfer:0.###} ms >= device compute {compute:0.###} ms")));
        }
    }

    private static void LaunchBound(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.HostEnqueueMilliseconds is { } enqueue && input.DeviceMilliseconds is { } device && device > 0
            && enqueue >= LaunchBoundEnqueueRatio * device)
        {
            findings.Add(new(DiagnosisRule.LaunchBound, Invariant(
                $"launch-bound: host enqueue {enqueue / device * 100:0}% of device time (>= {LaunchBoundEnqueueRatio * 100:0}%), try ort-cuda-graph")));
        }
    }

    private static void TelemetryIncomplete(DiagnosisInput input, List<DiagnosisFinding> findings)
    {
        if (input.Telemetry is { } telemetry && telemetry.SampleCount < MinimumTelemetrySamples)
        {
            findings.Add(new(DiagnosisRule.TelemetryIncomplete, Invariant(
                $"telemetry incomplete: {telemetry.SampleCount} sample{(telemetry.SampleCount == 1 ? "" : "s")} in the window (need {MinimumTelemetrySamples})")));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
