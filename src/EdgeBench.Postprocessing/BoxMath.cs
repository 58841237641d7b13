using System.Runtime.CompilerServices;
using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Scalar kernels shared by the fast paths and the naive references. Each one *is* the reference definition
/// (style rule 12), so both paths round identically and the tests can demand equal outputs.
/// </summary>
internal static class BoxMath
{
    /// <summary>
    /// SSD decode of one box, in the operation order of NVIDIA's <c>scale_back_batch</c>:
    /// xy = (scale_xy·loc_xy)·dbox_wh + dbox_xy; wh = exp(scale_wh·loc_wh)·dbox_wh; then xywh → ltrb.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BoundingBox DecodeSsd(float dx, float dy, float dw, float dh, float cx, float cy, float w, float h, float scaleXy, float scaleWh)
    {
        float x = (scaleXy * dx * w) + cx;
        float y = (scaleXy * dy * h) + cy;
        float bw = MathF.Exp(scaleWh * dw) * w;
        float bh = MathF.Exp(scaleWh * dh) * h;
        return new BoundingBox(x - (0.5f * bw), y - (0.5f * bh), x + (0.5f * bw), y + (0.5f * bh));
    }

    /// <summary>
    /// A centre-size box in input pixels (Ultralytics' cx, cy, w, h) as relative ltrb: x1 = (cx − w/2)/width, as
    /// <c>xywh2xyxy</c> then a division by the input size.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BoundingBox DecodeCenterSize(float cx, float cy, float w, float h, float inputWidth, float inputHeight)
        => new((cx - (0.5f * w)) / inputWidth, (cy - (0.5f * h)) / inputHeight, (cx + (0.5f * w)) / inputWidth, (cy + (0.5f * h)) / inputHeight);

    /// <summary>Logistic function, 1/(1+e^−x), as darknet's <c>logistic_activate</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>
    /// IoU with precomputed areas. Same operations as <see cref="BoundingBox.IoU"/>, so both give bit-identical results
    /// (min/max and + are symmetric, and the areas are <see cref="BoundingBox.Area"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float IoU(in BoundingBox a, float areaA, in BoundingBox b, float areaB)
    {
        float w = MathF.Min(a.Right, b.Right) - MathF.Max(a.Left, b.Left);
        float h = MathF.Min(a.Bottom, b.Bottom) - MathF.Max(a.Top, b.Top);
        if (w <= 0f || h <= 0f)
        {
            return 0f;
        }

        float intersection = w * h;
        float union = areaA + areaB - intersection;
        return union > 0f ? intersection / union : 0f;
    }

    /// <summary>True when an overlap of <paramref name="iou"/> suppresses the lower-scored box.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suppresses(float iou, float threshold, NmsOverlapRule rule)
        => rule == NmsOverlapRule.SuppressAtOrAbove ? iou >= threshold : iou > threshold;

    /// <summary>
    /// A sort key that orders by score descending, then by <paramref name="tieBreak"/> ascending, when sorted ascending.
    /// Scores here are always positive (they passed a positive threshold), so their IEEE bits are monotone as int.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ScoreKey(float score, int tieBreak)
        => ((long)(int.MaxValue - BitConverter.SingleToInt32Bits(score)) << 32) | (uint)tieBreak;
}
