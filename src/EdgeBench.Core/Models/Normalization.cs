namespace EdgeBench.Core.Models;

/// <summary>
/// Per-channel input normalization, in the form every preprocess implements:
/// <c>y = (x / 255 - Mean[c]) / Std[c]</c> for 8-bit RGB input <c>x</c>.
/// </summary>
/// <remarks>
/// SSD300 (NVIDIA) maps 0..255 to -1..+1, i.e. <c>x / 127.5 - 1</c>, which is mean 0.5 / std 0.5 in this form.
/// torchvision classifiers use the ImageNet mean/std.
/// </remarks>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet statistics used by torchvision's classifiers (RGB order).</summary>
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>SSD300 of NVIDIA's reference: <c>x / 127.5 - 1</c>.</summary>
    public static Normalization MinusOneToOne { get; } = new([0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    /// <summary>YOLOv3 (Darknet): <c>x / 255</c>.</summary>
    public static Normalization ZeroToOne { get; } = new([0f, 0f, 0f], [1f, 1f, 1f]);

    /// <summary>
    /// The affine form <c>y = x * Scale[c] + Offset[c]</c> that fast kernels use; derived so both forms agree.
    /// </summary>
    public (float Scale, float Offset) Affine(int channel) =>
        (1f / (255f * Std[channel]), -Mean[channel] / Std[channel]);

    /// <summary>Readable form for listings.</summary>
    public override string ToString() =>
        $"mean=[{string.Join(',', Mean)}] std=[{string.Join(',', Std)}]";
}
