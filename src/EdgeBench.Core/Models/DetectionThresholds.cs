namespace EdgeBench.Core.Models;

/// <summary>
/// A detector's decoding thresholds as a model description states them (sidecar <c>score_threshold</c>,
/// <c>iou_threshold</c>, <c>max_detections</c>, <c>class_agnostic</c>). A null member keeps the head's reference
/// default, so catalog models decode exactly as their published references do.
/// </summary>
/// <param name="ScoreThreshold">A candidate needs a score strictly above this, in (0, 1).</param>
/// <param name="IouThreshold">NMS overlap threshold, in (0, 1].</param>
/// <param name="MaxDetections">At most this many detections per image, at least 1.</param>
/// <param name="ClassAgnostic">NMS across classes (true) or within each class (false).</param>
public sealed record DetectionThresholds(float? ScoreThreshold = null, float? IouThreshold = null, int? MaxDetections = null, bool? ClassAgnostic = null)
{
    /// <summary>Every threshold at its head's default.</summary>
    public static DetectionThresholds HeadDefaults { get; } = new();
}
