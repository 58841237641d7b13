using EdgeBench.Core.Models;

namespace EdgeBench.Postprocessing;

/// <summary>How an overlap exactly equal to the NMS threshold is treated.</summary>
public enum NmsOverlapRule
{
    /// <summary>
    /// Suppress when IoU &gt;= threshold. NVIDIA's SSD <c>Encoder.decode_single</c> keeps only <c>iou &lt; criteria</c>.
    /// </summary>
    SuppressAtOrAbove,

    /// <summary>Suppress when IoU &gt; threshold. Darknet's <c>do_nms_sort</c> and torchvision's <c>nms</c> do this.</summary>
    SuppressAbove,
}

/// <summary>
/// Every constant of the postprocessing stage in one place (style rule 14). The defaults reproduce the published
/// references: NVIDIA DeepLearningExamples SSD300 v1.1 evaluation (<c>decode_batch(ploc, plabel, 0.50, 200)</c>),
/// darknet's yolov3-tiny.cfg, and the usual ImageNet top-5.
/// </summary>
public sealed class DecodeOptions
{
    /// <summary>The reference defaults.</summary>
    public static DecodeOptions Default { get; } = new();

    /// <summary>SSD: number of score channels including background (COCO: 80 classes + background = 81).</summary>
    public int SsdClassCount { get; init; } = 81;

    /// <summary>SSD: a (box, class) pair is a candidate when its softmax probability is strictly above this. Default 0.05.</summary>
    public float SsdScoreThreshold { get; init; } = 0.05f;

    /// <summary>SSD: per-class NMS IoU threshold ("criteria"). Default 0.5 (the value NVIDIA's evaluation passes).</summary>
    public float SsdIouThreshold { get; init; } = 0.5f;

    /// <summary>SSD: only the highest scoring candidates of each class enter NMS (<c>max_num</c>). Default 200.</summary>
    public int SsdPerClassTopK { get; init; } = 200;

    /// <summary>SSD: at most this many detections per image after NMS (<c>max_output</c>). Default 200.</summary>
    public int SsdMaxDetections { get; init; } = 200;

    /// <summary>SSD: centre variance (<c>scale_xy</c>). Default 0.1.</summary>
    public float SsdScaleXy { get; init; } = 0.1f;

    /// <summary>SSD: size variance (<c>scale_wh</c>). Default 0.2.</summary>
    public float SsdScaleWh { get; init; } = 0.2f;

    /// <summary>SSD scores are per-class sigmoids (each class on its own) instead of SSD300's softmax over classes.</summary>
    public bool SsdSigmoidScores { get; init; }

    /// <summary>SSD class 0 is background and never reported (SSD300); false when every class is a real one.</summary>
    public bool SsdBackgroundClass { get; init; } = true;

    /// <summary>SSD outputs are [N, A, 4] and [N, A, C] (torchvision's head) instead of SSD300's [N, 4, A] and [N, C, A].</summary>
    public bool SsdAnchorsLast { get; init; }

    /// <summary>SSD: the reference keeps only IoU &lt; criteria, so equality suppresses.</summary>
    public NmsOverlapRule SsdOverlapRule { get; init; } = NmsOverlapRule.SuppressAtOrAbove;

    /// <summary>YOLO: network input size in pixels (square). Default 416.</summary>
    public int YoloInputSize { get; init; } = 416;

    /// <summary>YOLO: number of classes. Default 80 (COCO).</summary>
    public int YoloClassCount { get; init; } = 80;

    /// <summary>YOLO: a (box, class) pair is kept when sigmoid(obj)·sigmoid(class) is strictly above this. Default 0.25.</summary>
    public float YoloConfidenceThreshold { get; init; } = 0.25f;

    /// <summary>YOLO: class-wise NMS IoU threshold. Default 0.45 (darknet's <c>nms = .45</c>).</summary>
    public float YoloIouThreshold { get; init; } = 0.45f;

    /// <summary>YOLO: darknet suppresses only when IoU &gt; threshold.</summary>
    public NmsOverlapRule YoloOverlapRule { get; init; } = NmsOverlapRule.SuppressAbove;

    /// <summary>YOLO: cap on detections per image. Darknet has none; 300 is ultralytics' <c>max_det</c>.</summary>
    public int YoloMaxDetections { get; init; } = 300;

    /// <summary>YOLO: anchor (width, height) pairs in input pixels, from yolov3-tiny.cfg.</summary>
    public IReadOnlyList<float> YoloAnchors { get; init; } = [10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319];

    /// <summary>YOLO: anchors used by the stride-32 (13×13) head. Default 3,4,5.</summary>
    public IReadOnlyList<int> YoloCoarseMask { get; init; } = [3, 4, 5];

    /// <summary>
    /// YOLO: anchors used by the stride-16 (26×26) head. Default 1,2,3, as in darknet's yolov3-tiny.cfg (pjreddie and
    /// AlexeyAB) and keras-yolo3: the published COCO weights were trained with it, so 0,1,2 would mis-size every box.
    /// </summary>
    public IReadOnlyList<int> YoloFineMask { get; init; } = [1, 2, 3];

    /// <summary>Classifiers: how many (class, probability) pairs per image. Default 5.</summary>
    public int ClassificationTopK { get; init; } = 5;

    /// <summary>
    /// YOLOv8/YOLOv5 heads: a box is a candidate when its score (v8: max class score; v5: objectness and
    /// objectness·max class probability) is strictly above this. Default 0.25 (Ultralytics' <c>conf</c>).
    /// </summary>
    public float UltralyticsScoreThreshold { get; init; } = 0.25f;

    /// <summary>
    /// YOLOv8/YOLOv5 heads: NMS IoU threshold. Default 0.45 (YOLOv5's <c>detect.py</c> and the sidecar contract;
    /// Ultralytics' v8 <c>predict</c> defaults to 0.7, a sidecar states it where that is wanted).
    /// </summary>
    public float UltralyticsIouThreshold { get; init; } = 0.45f;

    /// <summary>YOLOv8/YOLOv5 heads: torchvision's <c>nms</c>, which Ultralytics calls, suppresses only when IoU &gt; threshold.</summary>
    public NmsOverlapRule UltralyticsOverlapRule { get; init; } = NmsOverlapRule.SuppressAbove;

    /// <summary>YOLOv8/YOLOv5 heads: at most this many detections per image. Default 300 (Ultralytics' <c>max_det</c>).</summary>
    public int UltralyticsMaxDetections { get; init; } = 300;

    /// <summary>YOLOv8/YOLOv5 heads: NMS across classes instead of within each class. Default false (Ultralytics' <c>agnostic</c>).</summary>
    public bool UltralyticsClassAgnostic { get; init; }

    /// <summary>
    /// YOLOv8 head: the number of classes C when known (a sidecar's <c>class_names</c>), which decides which output
    /// dimension is 4+C; null infers it from the shape (see <see cref="YoloV8Postprocessor"/>).
    /// </summary>
    public int? UltralyticsClassCount { get; init; }

    /// <summary>
    /// The reference defaults with the thresholds <paramref name="model"/>'s description states applied to the fields
    /// of its head; a catalog model (no thresholds stated) gets exactly <see cref="Default"/>.
    /// </summary>
    public static DecodeOptions For(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        DetectionThresholds t = model.Thresholds;
        DecodeOptions d = Default;
        int? classCount = model.ClassNames.Count > 0 ? model.ClassNames.Count : null;
        if (t == DetectionThresholds.HeadDefaults && classCount is null && model.SsdAnchors is null)
        {
            return d;
        }

        return model.Postprocess switch
        {
            PostprocessKind.Ssd => new DecodeOptions
            {
                SsdScoreThreshold = t.ScoreThreshold ?? d.SsdScoreThreshold,
                SsdIouThreshold = t.IouThreshold ?? d.SsdIouThreshold,
                SsdMaxDetections = t.MaxDetections ?? d.SsdMaxDetections,
                // An SSD described by its anchors brings its own classes (the scores output [N, C, A], background
                // included) and variances.
                SsdClassCount = model.SsdAnchors is null ? d.SsdClassCount : checked((int)model.Outputs[1].Shape[model.SsdAnchors.AnchorsLast ? 2 : 1]),
                SsdScaleXy = model.SsdAnchors?.VarianceXy ?? d.SsdScaleXy,
                SsdScaleWh = model.SsdAnchors?.VarianceWh ?? d.SsdScaleWh,
                SsdSigmoidScores = model.SsdAnchors?.SigmoidScores ?? d.SsdSigmoidScores,
                SsdBackgroundClass = model.SsdAnchors?.BackgroundClass ?? d.SsdBackgroundClass,
                SsdAnchorsLast = model.SsdAnchors?.AnchorsLast ?? d.SsdAnchorsLast,
            },
            PostprocessKind.YoloV3Tiny => new DecodeOptions
            {
                YoloConfidenceThreshold = t.ScoreThreshold ?? d.YoloConfidenceThreshold,
                YoloIouThreshold = t.IouThreshold ?? d.YoloIouThreshold,
                YoloMaxDetections = t.MaxDetections ?? d.YoloMaxDetections,
            },
            PostprocessKind.YoloV8 or PostprocessKind.YoloV5 => new DecodeOptions
            {
                UltralyticsScoreThreshold = t.ScoreThreshold ?? d.UltralyticsScoreThreshold,
                UltralyticsIouThreshold = t.IouThreshold ?? d.UltralyticsIouThreshold,
                UltralyticsMaxDetections = t.MaxDetections ?? d.UltralyticsMaxDetections,
                UltralyticsClassAgnostic = t.ClassAgnostic ?? d.UltralyticsClassAgnostic,
                UltralyticsClassCount = classCount,
            },
            _ => d,
        };
    }
}
