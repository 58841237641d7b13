namespace EdgeBench.Reporting.Results;

/// <summary>Outcome of one benchmark case.</summary>
public static class CaseStatus
{
    public const string Ok = "ok";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <summary>
/// One row of <c>edgebench.csv</c>: one benchmark case. The first columns are the contract other tools rely on
/// (docs/design.md); the rest add context. Times are per operation as BenchmarkDotNet measures it (one call of the
/// benchmark method, i.e. one batch for batched stages); <see cref="FrameMs"/> and <see cref="Fps"/> divide by
/// the batch for the stages that process frames. Empty cells mean "not measured".
/// </summary>
public sealed record ResultRow
{
    /// <summary>Full BenchmarkDotNet name with parameters, the key diffs match on.</summary>
    public string Benchmark { get; init; } = string.Empty;

    public string Model { get; init; } = string.Empty;

    /// <summary>to-tensor, preprocess, inference, postprocess, end-to-end, or a baseline's name.</summary>
    public string Stage { get; init; } = string.Empty;

    public string Precision { get; init; } = string.Empty;

    public int Batch { get; init; }

    public string Backend { get; init; } = string.Empty;

    public string Ep { get; init; } = string.Empty;

    public string Status { get; init; } = CaseStatus.Ok;

    public string Reason { get; init; } = string.Empty;

    public double? MeanMs { get; init; }

    public double? MedianMs { get; init; }

    public double? P90Ms { get; init; }

    public double? P99Ms { get; init; }

    public double? Fps { get; init; }

    // Telemetry (filled by the diagnosers where a sampler ran).
    public double? PowerW { get; init; }

    public double? EnergyMj { get; init; }

    public double? GpuUtilPct { get; init; }

    public double? CpuUtilPct { get; init; }

    public double? RamMb { get; init; }

    public double? MaxTempC { get; init; }

    public bool? Throttled { get; init; }

    // Context beyond the contract.
    public double? FrameMs { get; init; }

    public double? StdDevMs { get; init; }

    /// <summary>99.9% confidence interval of the mean (BenchmarkDotNet's level).</summary>
    public double? Ci999LowerMs { get; init; }

    public double? Ci999UpperMs { get; init; }

    public int? Iterations { get; init; }

    public long? AllocatedBytesPerOp { get; init; }

    /// <summary>Throughput in MB/s for stages that move a known number of bytes (preprocess, memcpy).</summary>
    public double? MegabytesPerSecond { get; init; }

    /// <summary>The benchmark's baseline within its category, for the ratio.</summary>
    public double? RatioToBaseline { get; init; }

    /// <summary>Free-form measured facts about the case (e.g. postprocess candidates per frame).</summary>
    public string Notes { get; init; } = string.Empty;

    // Per-frame measurement (scenario rows: single-stream, camera, offline). Every value below is over frames, not
    // BenchmarkDotNet iterations; rows of stage cases leave them empty.

    /// <summary><c>single-stream</c>, <c>camera</c> or <c>offline</c>; empty for stage cases.</summary>
    public string Scenario { get; init; } = string.Empty;

    /// <summary>Frames measured (processed; dropped camera frames not counted).</summary>
    public int? Frames { get; init; }

    /// <summary>Per-frame latency percentiles (capture to result), ms.</summary>
    public double? FrameP50Ms { get; init; }

    public double? FrameP90Ms { get; init; }

    public double? FrameP99Ms { get; init; }

    public double? FrameP999Ms { get; init; }

    /// <summary>MLPerf LoadGen's early-stopping estimate of p90 (99% confidence); empty when too few frames ran.</summary>
    public double? EarlyStopP90Ms { get; init; }

    /// <summary>The same for p99.</summary>
    public double? EarlyStopP99Ms { get; init; }

    /// <summary>Camera frames overwritten before the pipeline took them, % of frames delivered by the camera.</summary>
    public double? DroppedPct { get; init; }

    /// <summary>Camera scenario rows: the camera's frame rate (<c>--camera-fps</c>) the case ran against; a case at
    /// another rate is another case (what it can keep up with depends on it).</summary>
    public double? CameraFps { get; init; }

    /// <summary>Processed frames whose latency exceeded the camera's frame interval, %.</summary>
    public double? DeadlineMissPct { get; init; }

    /// <summary>Coefficient of variation of the per-frame latency, %.</summary>
    public double? CovPct { get; init; }

    /// <summary><c>valid</c> or <c>invalid</c> (the run rules were not met; <see cref="Diagnosis"/> says why).</summary>
    public string Verdict { get; init; } = string.Empty;

    /// <summary>What bounds the case and what is wrong with the run, one finding after another (<c>; </c>).</summary>
    public string Diagnosis { get; init; } = string.Empty;

    /// <summary>The case's per-frame trace, relative to the run folder (<c>frames/….csv</c>); empty for stage cases.</summary>
    public string FrameTrace { get; init; } = string.Empty;

    /// <summary>
    /// Inference rows: the model's FLOPs per frame (2 x multiply-accumulates of its Conv/Gemm/MatMul) times
    /// <see cref="Fps"/>, GFLOP/s.
    /// </summary>
    public double? AchievedGflops { get; init; }

    /// <summary>Inference rows on the CPU: <see cref="AchievedGflops"/> as % of the run's measured FMA peak (environment.json).</summary>
    public double? PeakPct { get; init; }
    // Memory (every case that ran in this process; cold-start rows: the fresh child processes').

    /// <summary>Peak resident memory of the process while the case ran (VmHWM reset at the case's start), MiB.</summary>
    public double? PeakRssMb { get; init; }

    /// <summary>Resident memory the pipeline added when it was created (RSS after minus before), MiB.</summary>
    public double? ModelRssMb { get; init; }

    /// <summary>Size of the model file the case ran, MiB.</summary>
    public double? ModelFileMb { get; init; }

    /// <summary>Device memory in use (nvidia-smi memory.used, every GPU), peak over the case, MiB.</summary>
    public double? GpuMemMb { get; init; }

    /// <summary>Cold-start rows: the slowest of the launches, ms (<see cref="MedianMs"/> holds their median).</summary>
    public double? MaxMs { get; init; }
}
