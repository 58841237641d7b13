namespace EdgeBench.Reporting.Results;

/// <summary>
/// Which rows measure the whole pipeline, camera frames to detections or classes: the host <c>end-to-end</c> stage,
/// its variants (<c>end-to-end-single-stream</c>, <c>end-to-end-cuda-kernels-pipelined</c>, the fused graph, ...) and
/// the SSD ladder levels. They compete for "the best configuration" of a model.
/// </summary>
public static class EndToEndRows
{
    /// <summary>
    /// A measured end-to-end row whose FPS is the pipeline's own rate, for a run's end screen. Left out: the camera
    /// scenario (its rate is at most the camera's, 30 FPS by default), invalid scenario cases and rows of no model.
    /// </summary>
    public static bool CompetesForBest(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Status == CaseStatus.Ok
            && row.Model.Length > 0
            && row.Fps is > 0
            && row.Scenario != "camera"
            && row.Verdict != "invalid"
            && IsEndToEndStage(row.Stage);
    }

    /// <summary>The stage row of the host pipeline's end-to-end case; every row taking frames to results competes with it.</summary>
    public const string EndToEnd = "end-to-end";

    /// <summary>
    /// end-to-end rows that do not take camera frames to results, so never compete as a pipeline: the detector alone on
    /// device buffers (the GPU variants' baseline) and the cost of recording a frame trace.
    /// </summary>
    public static readonly IReadOnlyList<string> ComparisonRowPrefixes = ["end-to-end-detector-only", "end-to-end-trace-"];

    /// <summary>
    /// Whether a stage row is a whole pipeline from camera frames to detections or classes: <c>end-to-end</c>, its
    /// variants (GPU pre/post, fused graph, the scenarios <c>end-to-end-single-stream</c>, <c>-camera</c>,
    /// <c>-offline</c>) and the SSD ladder's levels, but not the comparison rows.
    /// </summary>
    public static bool IsEndToEndStage(string stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage == EndToEnd
            || stage.StartsWith("ladder-", StringComparison.Ordinal)
            || (stage.StartsWith(EndToEnd + "-", StringComparison.Ordinal)
                && !ComparisonRowPrefixes.Any(p => stage.StartsWith(p, StringComparison.Ordinal)));
    }

    /// <summary>What distinguishes the row within its configuration: the stage's variant (single-stream, ladder-2-on-device), or empty.</summary>
    public static string Variant(string stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage.StartsWith("end-to-end-", StringComparison.Ordinal) ? stage["end-to-end-".Length..]
            : stage == "end-to-end" ? string.Empty
            : stage;
    }
}
