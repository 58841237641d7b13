namespace EdgeBench.Core.Models;

/// <summary>What a model's output means, which decides the postprocessing stage.</summary>
public enum ModelFamily
{
    /// <summary>Object detector: boxes and class scores, postprocessed by decoding and NMS.</summary>
    Detector,

    /// <summary>Image classifier: class logits, postprocessed by softmax and top-k.</summary>
    Classifier,

    /// <summary>Feature extractor: an embedding vector; there is no postprocessing stage.</summary>
    FeatureExtractor,
}

/// <summary>Which postprocessing applies to a model's outputs.</summary>
public enum PostprocessKind
{
    /// <summary>No postprocessing (feature extractors).</summary>
    None,

    /// <summary>SSD300: softmax over 81 classes, decode against 8732 default boxes (variances 0.1/0.2), per-class NMS.</summary>
    Ssd,

    /// <summary>YOLOv3-tiny: sigmoid grid/anchor decoding of both heads, confidence threshold, class-wise NMS.</summary>
    YoloV3Tiny,

    /// <summary>Softmax over class logits and top-5.</summary>
    Classification,

    /// <summary>
    /// Ultralytics YOLOv8/YOLO11 anchor-free head: [N, 4+C, A] (or transposed [N, A, 4+C]) of cx, cy, w, h in input
    /// pixels and C sigmoided class scores, no objectness; score = max class score, class-aware NMS.
    /// </summary>
    YoloV8,

    /// <summary>
    /// Ultralytics YOLOv5 head: [N, A, 5+C] of cx, cy, w, h in input pixels, sigmoided objectness and C sigmoided class
    /// probabilities; score = objectness · max class probability, class-aware NMS.
    /// </summary>
    YoloV5,
}

/// <summary>Memory layout of an image tensor.</summary>
public enum TensorLayout
{
    /// <summary>Batch, channels, height, width (ONNX and PyTorch convention).</summary>
    Nchw,

    /// <summary>Batch, height, width, channels (camera frame order).</summary>
    Nhwc,
}

/// <summary>Where a model file comes from.</summary>
public enum ModelSource
{
    /// <summary>Built by EdgeBench: the exact architecture with seeded weights.</summary>
    Generated,

    /// <summary>Real trained weights shipped inside a package.</summary>
    Pretrained,

    /// <summary>A file the user put in <c>models/</c>; it takes precedence over the other two.</summary>
    User,
}
