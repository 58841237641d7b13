namespace EdgeBench.Reporting.Results;

/// <summary>
/// Which rows measure the whole pipeline, camera frames to detections or classes: the host <c>end-to-end</c> stage,
/// its variants (<c>end-to-end-single-stream</c>, <c>end-to-end-cuda-kernels-pipelined</c>, the fused graph, ...) and
/// the SSD ladder levels. They compete for "the best configuration" of a model.
/// </summary>
public static class EndToEndRows
{
    /// <summary>
    /// A measured end-to-end row whose FPS is the pipeline's rate. Left out: the camera scenario (its rate is the
    /// camera's, capped by --camera-fps) and rows of no model (the frame-trace cost benchmarks).
    /// </summary>
    public static bool CompetesForBest(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Status == CaseStatus.Ok
            && row.Model.Length > 0
            && row.Fps is > 0
            && row.Scenario != "camera"
            && IsEndToEndStage(row.Stage);
    }

    /// <summary><c>end-to-end</c>, <c>end-to-end-*</c> or <c>ladder-*</c>.</summary>
    public static bool IsEndToEndStage(string stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage == "end-to-end"
            || stage.StartsWith("end-to-end-", StringComparison.Ordinal)
            || stage.StartsWith("ladder-", StringComparison.Ordinal);
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
