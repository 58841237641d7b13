using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeBench.Core.Models;

namespace EdgeBench.Models.Zoo;

/// <summary>
/// <c>models/&lt;id&gt;.json</c>: describes a user's own model. Required for ids the catalog does not know; for a
/// catalog id, each field given overrides the catalog's (e.g. a trained SSD300 whose input is named differently).
/// </summary>
/// <example>
/// <code>
/// {
///   "family": "detector",
///   "input": { "name": "images", "shape": [-1, 3, 300, 300], "layout": "nchw" },
///   "normalization": { "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5] },
///   "outputs": [ { "name": "locs", "shape": [-1, 4, 8732] }, { "name": "scores", "shape": [-1, 81, 8732] } ],
///   "postprocess": "ssd",
///   "channel_order": "rgb",
///   "resize": "stretch",
///   "description": "SSD300 fine-tuned on our warehouse data"
/// }
/// </code>
/// </example>
internal sealed class ModelSidecar
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string? Family { get; set; }

    public InputEntry? Input { get; set; }

    public NormalizationEntry? Normalization { get; set; }

    public List<TensorEntry>? Outputs { get; set; }

    public string? Postprocess { get; set; }

    public string? Description { get; set; }

    /// <summary><c>rgb</c> (default) or <c>bgr</c>: the input tensor's channel order.</summary>
    public string? ChannelOrder { get; set; }

    /// <summary><c>stretch</c> (default) or <c>letterbox</c>.</summary>
    public string? Resize { get; set; }

    /// <summary>Letterbox band value, 0..255 before normalization; 114 (Ultralytics) by default.</summary>
    public int? PadValue { get; set; }

    public float? ScoreThreshold { get; set; }

    public float? IouThreshold { get; set; }

    public int? MaxDetections { get; set; }

    public bool? ClassAgnostic { get; set; }

    public List<string>? ClassNames { get; set; }

    /// <summary>An SSD-style detector's default boxes, where they are not SSD300's (see <see cref="SsdAnchors"/>).</summary>
    public SsdAnchorsEntry? SsdAnchors { get; set; }

    internal sealed class TensorEntry
    {
        public string Name { get; set; } = string.Empty;

        public List<long> Shape { get; set; } = [];
    }

    internal sealed class InputEntry
    {
        public string Name { get; set; } = string.Empty;

        public List<long> Shape { get; set; } = [];

        /// <summary><c>nchw</c> (default) or <c>nhwc</c>.</summary>
        public string? Layout { get; set; }
    }

    internal sealed class SsdAnchorsEntry
    {
        public int FigureSize { get; set; }

        public List<int> FeatureMaps { get; set; } = [];

        public List<int> Steps { get; set; } = [];

        public List<int> Scales { get; set; } = [];

        public List<List<int>> AspectRatios { get; set; } = [];

        public List<float>? Variances { get; set; }

        /// <summary><c>softmax</c> (default, SSD300) or <c>sigmoid</c>.</summary>
        public string? Scores { get; set; }

        /// <summary>Whether class 0 is background (default true, SSD300).</summary>
        public bool? Background { get; set; }

        /// <summary><c>size_major</c> (default, NVIDIA's DefaultBoxes) or <c>cell_major</c> (torchvision's DefaultBoxGenerator).</summary>
        public string? Order { get; set; }

        /// <summary><c>anchors_first</c> (default: [N,4,A], [N,C,A]) or <c>anchors_last</c> ([N,A,4], [N,A,C], torchvision's head).</summary>
        public string? Layout { get; set; }
    }

    internal sealed class NormalizationEntry
    {
        public float[] Mean { get; set; } = [];

        public float[] Std { get; set; } = [];
    }

    /// <summary>Reads and validates a sidecar; every problem raises <see cref="Onnx.ModelFileException"/> naming the file.</summary>
    public static ModelDescriptor Read(string path, string id, ModelDescriptor? catalogEntry)
    {
        ModelSidecar sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<ModelSidecar>(File.ReadAllText(path), s_options)
                ?? throw new Onnx.ModelFileException(path, "empty JSON; expected a model description object");
        }
        catch (JsonException e)
        {
            throw new Onnx.ModelFileException(path, $"invalid model description: {e.Message}", e);
        }

        string Missing(string field) =>
            $"'{field}' is required for a model the catalog does not know (catalog ids: {string.Join(", ", ModelCatalog.Ids)})";

        ModelFamily family = sidecar.Family is null
            ? catalogEntry?.Family ?? throw new Onnx.ModelFileException(path, Missing("family"))
            : sidecar.Family switch
            {
                "detector" => ModelFamily.Detector,
                "classifier" => ModelFamily.Classifier,
                "feature-extractor" => ModelFamily.FeatureExtractor,
                _ => throw new Onnx.ModelFileException(path, $"family '{sidecar.Family}' is not one of detector, classifier, feature-extractor"),
            };
        PostprocessKind postprocess = sidecar.Postprocess is null
            ? catalogEntry?.Postprocess ?? (family == ModelFamily.FeatureExtractor ? PostprocessKind.None : throw new Onnx.ModelFileException(path, Missing("postprocess")))
            : sidecar.Postprocess switch
            {
                "ssd" => PostprocessKind.Ssd,
                "yolov3-tiny" => PostprocessKind.YoloV3Tiny,
                "classification" => PostprocessKind.Classification,
                "yolov8" => PostprocessKind.YoloV8,
                "yolov5" => PostprocessKind.YoloV5,
                "none" => PostprocessKind.None,
                _ => throw new Onnx.ModelFileException(path, $"postprocess '{sidecar.Postprocess}' is not one of ssd, yolov3-tiny, yolov8, yolov5, classification, none"),
            };
        TensorSpec input = sidecar.Input is null
            ? catalogEntry?.Input ?? throw new Onnx.ModelFileException(path, Missing("input"))
            : ToSpec(path, new TensorEntry { Name = sidecar.Input.Name, Shape = sidecar.Input.Shape }, "input");
        TensorLayout layout = sidecar.Input is null
            ? catalogEntry?.Layout ?? TensorLayout.Nchw
            : sidecar.Input.Layout switch
            {
                null or "nchw" => TensorLayout.Nchw,
                "nhwc" => TensorLayout.Nhwc,
                _ => throw new Onnx.ModelFileException(path, $"input.layout '{sidecar.Input.Layout}' is not one of nchw, nhwc"),
            };
        int channelAxis = layout == TensorLayout.Nhwc ? 3 : 1;
        if (input.Shape.Count != 4 || input.Shape[channelAxis] != 3)
        {
            string expected = layout == TensorLayout.Nhwc ? "[N,H,W,3] (input.layout nhwc)" : "[N,3,H,W] (input.layout nchw)";
            string hint = layout == TensorLayout.Nchw && input.Shape.Count == 4 && input.Shape[3] == 3 ? "; an [N,H,W,3] input needs \"layout\": \"nhwc\"" : string.Empty;
            throw new Onnx.ModelFileException(path, $"input.shape {input.ShapeText} is not {expected}{hint}");
        }

        InputPreprocessing inherited = catalogEntry?.Preprocessing ?? InputPreprocessing.Default;
        var preprocessing = new InputPreprocessing(
            sidecar.ChannelOrder switch
            {
                null => inherited.ChannelOrder,
                "rgb" => Core.Models.ChannelOrder.Rgb,
                "bgr" => Core.Models.ChannelOrder.Bgr,
                _ => throw new Onnx.ModelFileException(path, $"channel_order '{sidecar.ChannelOrder}' is not one of rgb, bgr"),
            },
            sidecar.Resize switch
            {
                null => inherited.Resize,
                "stretch" => ResizeMode.Stretch,
                "letterbox" => ResizeMode.Letterbox,
                _ => throw new Onnx.ModelFileException(path, $"resize '{sidecar.Resize}' is not one of stretch, letterbox"),
            },
            sidecar.PadValue switch
            {
                null => inherited.PadValue,
                >= 0 and <= 255 => (byte)sidecar.PadValue.Value,
                _ => throw new Onnx.ModelFileException(path, $"pad_value {sidecar.PadValue} is not a pixel value 0..255 (letterbox bands, before normalization; Ultralytics uses 114)"),
            });

        Normalization normalization = sidecar.Normalization is null
            ? catalogEntry?.Normalization ?? throw new Onnx.ModelFileException(path, Missing("normalization"))
            : sidecar.Normalization.Mean.Length == 3 && sidecar.Normalization.Std.Length == 3 && sidecar.Normalization.Std.All(s => s > 0)
                ? new Normalization(sidecar.Normalization.Mean, sidecar.Normalization.Std)
                : throw new Onnx.ModelFileException(path, "normalization needs 3 mean values and 3 positive std values (in the input's channel order, see channel_order)");
        IReadOnlyList<TensorSpec> outputs = sidecar.Outputs is null
            ? catalogEntry?.Outputs ?? throw new Onnx.ModelFileException(path, Missing("outputs"))
            : sidecar.Outputs.Select((o, i) => ToSpec(path, o, $"outputs[{i}]")).ToArray();

        DetectionThresholds thresholds = ReadThresholds(path, sidecar, postprocess, catalogEntry?.Thresholds ?? DetectionThresholds.HeadDefaults);
        IReadOnlyList<string> classNames = sidecar.ClassNames is null ? catalogEntry?.ClassNames ?? [] : ReadClassNames(path, sidecar.ClassNames);
        CheckUltralyticsOutputs(path, postprocess, outputs, classNames.Count);
        SsdAnchors? anchors = sidecar.SsdAnchors is null ? catalogEntry?.SsdAnchors : ReadSsdAnchors(path, sidecar.SsdAnchors, postprocess, outputs);

        return new ModelDescriptor(id, family, input, normalization, outputs, postprocess,
            sidecar.Description ?? catalogEntry?.Description ?? $"user model {id}", layout)
        {
            Preprocessing = preprocessing,
            Thresholds = thresholds,
            ClassNames = classNames,
            SsdAnchors = anchors,
        };
    }

    private static DetectionThresholds ReadThresholds(string path, ModelSidecar sidecar, PostprocessKind postprocess, DetectionThresholds inherited)
    {
        bool any = sidecar.ScoreThreshold is not null || sidecar.IouThreshold is not null || sidecar.MaxDetections is not null || sidecar.ClassAgnostic is not null;
        if (!any)
        {
            return inherited;
        }

        if (postprocess is not (PostprocessKind.Ssd or PostprocessKind.YoloV3Tiny or PostprocessKind.YoloV8 or PostprocessKind.YoloV5))
        {
            throw new Onnx.ModelFileException(path, "score_threshold, iou_threshold, max_detections and class_agnostic apply to detector heads only (postprocess ssd, yolov3-tiny, yolov8, yolov5)");
        }

        if (sidecar.ScoreThreshold is float score && !(score > 0f && score < 1f))
        {
            throw new Onnx.ModelFileException(path, $"score_threshold {score} is not in (0, 1): a candidate needs a score strictly above it");
        }

        if (sidecar.IouThreshold is float iou && !(iou > 0f && iou <= 1f))
        {
            throw new Onnx.ModelFileException(path, $"iou_threshold {iou} is not in (0, 1]");
        }

        if (sidecar.MaxDetections is int max && max < 1)
        {
            throw new Onnx.ModelFileException(path, $"max_detections {max} is not a positive number of detections per image");
        }

        if (sidecar.ClassAgnostic == true && postprocess is not (PostprocessKind.YoloV8 or PostprocessKind.YoloV5))
        {
            // SSD and YOLOv3-tiny decode as their references do: per-class NMS over multi-label candidates.
            throw new Onnx.ModelFileException(path, "class_agnostic is supported by the yolov8 and yolov5 heads only");
        }

        return new DetectionThresholds(
            sidecar.ScoreThreshold ?? inherited.ScoreThreshold,
            sidecar.IouThreshold ?? inherited.IouThreshold,
            sidecar.MaxDetections ?? inherited.MaxDetections,
            sidecar.ClassAgnostic ?? inherited.ClassAgnostic);
    }

    private static string[] ReadClassNames(string path, List<string> names)
    {
        if (names.Count == 0 || names.Any(string.IsNullOrWhiteSpace))
        {
            throw new Onnx.ModelFileException(path, "class_names must be a non-empty array of non-empty strings, one per class id");
        }

        return [.. names];
    }

    /// <summary>
    /// <c>ssd_anchors</c>: NVIDIA's / torchvision's DefaultBoxes parameters, checked against the head's two outputs
    /// (locs [N,4,A], scores [N,C,A] with background class 0 and softmax scores, as SSD300's).
    /// </summary>
    private static SsdAnchors ReadSsdAnchors(string path, SsdAnchorsEntry entry, PostprocessKind postprocess, IReadOnlyList<TensorSpec> outputs)
    {
        if (postprocess != PostprocessKind.Ssd)
        {
            throw new Onnx.ModelFileException(path, "ssd_anchors applies to postprocess 'ssd' only");
        }

        int maps = entry.FeatureMaps.Count;
        if (entry.FigureSize <= 0 || maps == 0 || entry.FeatureMaps.Any(f => f <= 0) || (entry.Steps.Count != maps && entry.Steps.Count != 0) || entry.Steps.Any(s => s <= 0)
            || entry.Scales.Count != maps + 1 || entry.Scales.Any(s => s <= 0) || entry.AspectRatios.Count != maps || entry.AspectRatios.Any(r => r.Any(a => a <= 0)))
        {
            throw new Onnx.ModelFileException(path,
                $"ssd_anchors needs figure_size > 0 and, for each of the {maps} feature_maps (sides > 0), a step > 0 (or no steps at all) and a list of aspect_ratios (> 0), "
                + $"and feature_maps + 1 scales > 0; got {entry.Steps.Count} steps, {entry.Scales.Count} scales, {entry.AspectRatios.Count} aspect_ratios lists");
        }

        if (entry.Variances is { } v && (v.Count != 2 || v.Any(x => !(x > 0))))
        {
            throw new Onnx.ModelFileException(path, "ssd_anchors.variances needs two positive values: centre, then size (SSD300: [0.1, 0.2])");
        }

        bool sigmoid = entry.Scores switch
        {
            null or "softmax" => false,
            "sigmoid" => true,
            _ => throw new Onnx.ModelFileException(path, $"ssd_anchors.scores '{entry.Scores}' is not one of softmax, sigmoid"),
        };
        bool cellMajor = entry.Order switch
        {
            null or "size_major" => false,
            "cell_major" => true,
            _ => throw new Onnx.ModelFileException(path, $"ssd_anchors.order '{entry.Order}' is not one of size_major, cell_major"),
        };
        bool anchorsLast = entry.Layout switch
        {
            null or "anchors_first" => false,
            "anchors_last" => true,
            _ => throw new Onnx.ModelFileException(path, $"ssd_anchors.layout '{entry.Layout}' is not one of anchors_first, anchors_last"),
        };
        var anchors = new SsdAnchors(entry.FigureSize, [.. entry.FeatureMaps], [.. entry.Steps], [.. entry.Scales],
            [.. entry.AspectRatios.Select(r => (IReadOnlyList<int>)[.. r])], entry.Variances?[0] ?? 0.1f, entry.Variances?[1] ?? 0.2f,
            sigmoid, entry.Background ?? true, cellMajor, anchorsLast);
        int boxes = anchors.BoxCount;
        (int boxAxis, int valueAxis) = anchorsLast ? (1, 2) : (2, 1);
        if (outputs.Count != 2 || outputs[0].Shape.Count != 3 || outputs[0].Shape[valueAxis] != 4 || outputs[0].Shape[boxAxis] != boxes
            || outputs[1].Shape.Count != 3 || outputs[1].Shape[valueAxis] < (anchors.BackgroundClass ? 2 : 1) || outputs[1].Shape[boxAxis] != boxes)
        {
            string expected = anchorsLast ? $"locs [N,{boxes},4] and scores [N,{boxes},C]" : $"locs [N,4,{boxes}] and scores [N,C,{boxes}]";
            throw new Onnx.ModelFileException(path,
                $"ssd_anchors make {boxes} boxes, so the outputs must be {expected} (C classes; layout {(anchorsLast ? "anchors_last" : "anchors_first")}); "
                + $"outputs are {string.Join(", ", outputs.Select(o => o.Name + o.ShapeText))}");
        }

        return anchors;
    }

    /// <summary>The Ultralytics heads read one [N, d1, d2] output; class_names, when given, fixes C.</summary>
    private static void CheckUltralyticsOutputs(string path, PostprocessKind postprocess, IReadOnlyList<TensorSpec> outputs, int classCount)
    {
        if (postprocess is not (PostprocessKind.YoloV8 or PostprocessKind.YoloV5))
        {
            return;
        }

        string head = postprocess == PostprocessKind.YoloV8 ? "yolov8" : "yolov5";
        string expected = postprocess == PostprocessKind.YoloV8 ? "[N,4+C,A] or [N,A,4+C]" : "[N,A,5+C]";
        if (outputs.Count != 1 || outputs[0].Shape.Count != 3)
        {
            throw new Onnx.ModelFileException(path, $"postprocess '{head}' reads one output shaped {expected}; outputs are {string.Join(", ", outputs.Select(o => o.Name + o.ShapeText))}");
        }

        long d1 = outputs[0].Shape[1], d2 = outputs[0].Shape[2];
        bool fits = postprocess == PostprocessKind.YoloV8
            ? classCount == 0 ? Math.Min(d1, d2) >= 5 : d1 == 4 + classCount || d2 == 4 + classCount
            : classCount == 0 ? d2 >= 6 : d2 == 5 + classCount;
        if (!fits)
        {
            string classes = classCount == 0 ? "C >= 1" : $"C = {classCount} (class_names)";
            throw new Onnx.ModelFileException(path, $"output {outputs[0].Name}{outputs[0].ShapeText} is not {expected} with {classes}");
        }
    }

    private static TensorSpec ToSpec(string path, TensorEntry entry, string field)
    {
        if (string.IsNullOrWhiteSpace(entry.Name) || entry.Shape.Count == 0 || entry.Shape.Skip(1).Any(d => d <= 0) || entry.Shape[0] is 0 or < -1)
        {
            throw new Onnx.ModelFileException(path, $"{field} needs a name and a shape of positive dimensions (the first may be -1 for a dynamic batch)");
        }

        return new TensorSpec(entry.Name, entry.Shape);
    }
}
