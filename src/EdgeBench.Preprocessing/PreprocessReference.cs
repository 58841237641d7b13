using System.Numerics;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;

namespace EdgeBench.Preprocessing;

/// <summary>
/// Scalar reference twin of <see cref="Preprocessor"/>: one output element at a time, computing the source
/// coordinate, the four bilinear taps and the normalization in the obvious way. It is the oracle of the tests and the
/// "naive scalar preprocess" baseline of the benchmarks, so it is kept plain: no tables, no tricks, no deliberate
/// slowness either.
/// </summary>
internal static class PreprocessReference
{
    /// <summary>Preprocesses <paramref name="frame"/> into item <paramref name="batchIndex"/> of an fp32 NCHW batch.</summary>
    public static void Run(in FrameBuffer frame, int width, int height, Normalization normalization, Span<float> batch, int batchIndex) =>
        Run<float>(frame, width, height, normalization, batch, batchIndex);

    /// <summary>Same as the fp32 overload, each element computed in fp32 and rounded to <see cref="Half"/> (nearest even).</summary>
    public static void Run(in FrameBuffer frame, int width, int height, Normalization normalization, Span<Half> batch, int batchIndex) =>
        Run<Half>(frame, width, height, normalization, batch, batchIndex);

    // One loop for both element types: the JIT specializes it per value type, and CreateTruncating from float is the
    // plain conversion ((Half)value rounds to nearest even; float to float is the identity).
    private static void Run<T>(in FrameBuffer frame, int width, int height, Normalization normalization, Span<T> batch, int batchIndex)
        where T : INumberBase<T>
    {
        frame.Validate();
        int plane = width * height;
        int itemStart = checked(batchIndex * Preprocessor.Channels * plane);
        Span<T> item = batch.Slice(itemStart, Preprocessor.Channels * plane);
        ReadOnlySpan<byte> pixels = frame.Pixels.Span;

        double scaleX = (double)frame.Width / width;
        double scaleY = (double)frame.Height / height;

        for (int c = 0; c < Preprocessor.Channels; c++)
        {
            // The model wants RGB planes; a BGR frame stores red in byte 2 of each pixel.
            int sourceChannel = frame.Format == PixelFormat.Bgr24 ? 2 - c : c;
            (float scale, float offset) = normalization.Affine(c);

            for (int y = 0; y < height; y++)
            {
                SourceCoordinate(y, scaleY, frame.Height, out int y0, out int y1, out float wy);
                for (int x = 0; x < width; x++)
                {
                    SourceCoordinate(x, scaleX, frame.Width, out int x0, out int x1, out float wx);

                    float p00 = pixels[(y0 * frame.Stride) + (x0 * 3) + sourceChannel];
                    float p01 = pixels[(y0 * frame.Stride) + (x1 * 3) + sourceChannel];
                    float p10 = pixels[(y1 * frame.Stride) + (x0 * 3) + sourceChannel];
                    float p11 = pixels[(y1 * frame.Stride) + (x1 * 3) + sourceChannel];

                    float top = ((1f - wx) * p00) + (wx * p01);
                    float bottom = ((1f - wx) * p10) + (wx * p11);
                    float value = ((1f - wy) * top) + (wy * bottom);

                    item[(c * plane) + (y * width) + x] = T.CreateTruncating((value * scale) + offset);
                }
            }
        }
    }

    /// <summary>
    /// Half-pixel-centre sampling of OpenCV's INTER_LINEAR and PyTorch's <c>align_corners=False</c>:
    /// <c>s = (d + 0.5) * scale - 0.5</c>, clamped to the first and last source sample.
    /// </summary>
    internal static void SourceCoordinate(int destination, double scale, int sourceSize, out int i0, out int i1, out float weight)
    {
        double s = ((destination + 0.5) * scale) - 0.5;
        if (s < 0)
        {
            s = 0;
        }

        i0 = (int)s;
        if (i0 >= sourceSize - 1)
        {
            i0 = sourceSize - 1;
            i1 = sourceSize - 1;
            weight = 0f;
        }
        else
        {
            i1 = i0 + 1;
            weight = (float)(s - i0);
        }
    }
}
