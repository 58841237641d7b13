namespace EdgeBench.Benchmarks;

/// <summary>
/// Benchmark categories. Stage categories group a method with its baseline (BenchmarkDotNet computes ratios per
/// category); family categories name the model family, which is also in the type name so <c>--filter *Ssd*</c> works.
/// </summary>
public static class Categories
{
    // Stages of the pipeline (docs/design.md).
    public const string ToTensor = "to-tensor";
    public const string Preprocess = "preprocess";
    public const string Inference = "inference";
    public const string Postprocess = "postprocess";
    public const string EndToEnd = "end-to-end";

    /// <summary>Cold start, each measured in fresh processes: not a frame stage (no frame_ms or fps).</summary>
    public const string ColdStart = "cold-start";

    // Model families.
    public const string Ssd = "ssd";
    public const string Yolo = "yolo";
    public const string MobileNet = "mobilenet";
    public const string ResNet = "resnet";

    /// <summary>The user's own models (models/&lt;id&gt;.onnx with a sidecar, under an id the catalog does not have).</summary>
    public const string UserModel = "user-model";

    /// <summary>Every stage category; each benchmark method carries exactly one.</summary>
    public static readonly IReadOnlySet<string> Stages = new HashSet<string>(StringComparer.Ordinal)
    {
        ToTensor, Preprocess, Inference, Postprocess, EndToEnd, ColdStart,
    };
}
