namespace EdgeBench.Core.Models;

/// <summary>
/// Everything the pipeline needs to know about a model without opening its file: its input (name, NCHW shape,
/// normalization), its outputs, and which postprocessing applies.
/// </summary>
/// <param name="Id">Catalog id, e.g. <c>ssd300</c>; also the file stem under <c>models/</c>.</param>
/// <param name="Family">Detector, classifier or feature extractor.</param>
/// <param name="Input">The image input: [N,3,H,W] or, when <paramref name="Layout"/> is NHWC, [N,H,W,3].</param>
/// <param name="Normalization">How 0..255 pixels map to the model's range.</param>
/// <param name="Outputs">Output tensors in the order the model declares them.</param>
/// <param name="Postprocess">Which postprocessing applies to <paramref name="Outputs"/>.</param>
/// <param name="Description">One line for listings: architecture and where it is defined.</param>
/// <param name="Layout">Input tensor layout (NCHW for every model EdgeBench generates; a sidecar may say NHWC).</param>
public sealed record ModelDescriptor(
    string Id,
    ModelFamily Family,
    TensorSpec Input,
    Normalization Normalization,
    IReadOnlyList<TensorSpec> Outputs,
    PostprocessKind Postprocess,
    string Description,
    TensorLayout Layout = TensorLayout.Nchw)
{
    /// <summary>Input height in pixels.</summary>
    public int InputHeight => checked((int)Input.Shape[Layout == TensorLayout.Nhwc ? 1 : 2]);

    /// <summary>Input width in pixels.</summary>
    public int InputWidth => checked((int)Input.Shape[Layout == TensorLayout.Nhwc ? 2 : 3]);

    /// <summary>Input channels (3 for colour images).</summary>
    public int InputChannels => checked((int)Input.Shape[Layout == TensorLayout.Nhwc ? 3 : 1]);

    /// <summary>Channel order, resize mode and letterbox pad value of the input (RGB, stretched by default).</summary>
    public InputPreprocessing Preprocessing { get; init; } = InputPreprocessing.Default;

    /// <summary>Whether the model accepts any batch size.</summary>
    public bool HasDynamicBatch => Input.Shape[0] == TensorSpec.DynamicBatch;

    /// <summary>Detector thresholds the model's description sets; members left null keep the head's defaults.</summary>
    public DetectionThresholds Thresholds { get; init; } = DetectionThresholds.HeadDefaults;

    /// <summary>An SSD head's default boxes where they are not SSD300's (sidecar <c>ssd_anchors</c>); null for SSD300's.</summary>
    public SsdAnchors? SsdAnchors { get; init; }

    /// <summary>Class names by class id where the description lists them (sidecar <c>class_names</c>); empty otherwise.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];
}
