using System.Numerics;
using System.Runtime.CompilerServices;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;

namespace EdgeBench.Preprocessing;

/// <summary>
/// Scalar reference twin of <see cref="Preprocessor"/>: one output element at a time, computing the source
/// coordinate, the four bilinear taps (or the pad value outside a letterbox's content) and the normalization in the
/// obvious way, and writing it at its NCHW or NHWC index. It is the oracle of the tests and the
/// "naive scalar preprocess" baseline of the benchmarks, so it is kept plain: no tables, no tricks, no deliberate
/// slowness either.
/// </summary>
internal static class PreprocessReference
{
    /// <summary>Preprocesses <paramref name="frame"/> into item <paramref name="batchIndex"/> of an fp32 batch in the model's layout, channel order and resize mode.</summary>
    public static void Run(in FrameBuffer frame, ModelDescriptor model, Span<float> batch, int batchIndex) =>
        Run<float>(frame, model.InputWidth, model.InputHeight, model.Normalization, model.Layout, model.Preprocessing, batch, batchIndex);

    /// <summary>The fp16 twin of <see cref="Run(in FrameBuffer, ModelDescriptor, Span{float}, int)"/>.</summary>
    public static void Run(in FrameBuffer frame, ModelDescriptor model, Span<Half> batch, int batchIndex) =>
        Run<Half>(frame, model.InputWidth, model.InputHeight, model.Normalization, model.Layout, model.Preprocessing, batch, batchIndex);

    /// <summary>Preprocesses <paramref name="frame"/> into item <paramref name="batchIndex"/> of an fp32 batch (NCHW RGB stretched unless told).</summary>
    public static void Run(in FrameBuffer frame, int width, int height, Normalization normalization, Span<float> batch, int batchIndex,
        TensorLayout layout = TensorLayout.Nchw, InputPreprocessing? preprocessing = null) =>
        Run<float>(frame, width, height, normalization, layout, preprocessing ?? InputPreprocessing.Default, batch, batchIndex);

    /// <summary>Same as the fp32 overload, each element computed in fp32 and rounded to <see cref="Half"/> (nearest even).</summary>
    public static void Run(in FrameBuffer frame, int width, int height, Normalization normalization, Span<Half> batch, int batchIndex,
        TensorLayout layout = TensorLayout.Nchw, InputPreprocessing? preprocessing = null) =>
        Run<Half>(frame, width, height, normalization, layout, preprocessing ?? InputPreprocessing.Default, batch, batchIndex);

    // One loop for both element types: the JIT specializes it per value type, and CreateTruncating from float is the
    // plain conversion ((Half)value rounds to nearest even; float to float is the identity). Compiled optimized from
    // the first call: a benchmark case calls it a few times per iteration, so under tiering the first case of each
    // element type measured tier-0/OSR code, 2-3x slower than the same loop one case later.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T>(in FrameBuffer frame, int width, int height, Normalization normalization, TensorLayout layout,
        InputPreprocessing preprocessing, Span<T> batch, int batchIndex)
        where T : INumberBase<T>
    {
        frame.Validate();
        int plane = width * height;
        int itemStart = checked(batchIndex * Preprocessor.Channels * plane);
        Span<T> item = batch.Slice(itemStart, Preprocessor.Channels * plane);
        ReadOnlySpan<byte> pixels = frame.Pixels.Span;

        // The frame is resized into the content rectangle (the whole input when stretched); the rest is padding.
        var mapping = FrameMapping.For(preprocessing.Resize, frame.Width, frame.Height, width, height);
        double scaleX = (double)frame.Width / mapping.ContentWidth;
        double scaleY = (double)frame.Height / mapping.ContentHeight;

        for (int c = 0; c < Preprocessor.Channels; c++)
        {
            // Which RGB colour output channel c holds, then where that colour sits in a frame pixel.
            int colour = preprocessing.ChannelOrder == ChannelOrder.Bgr ? 2 - c : c;
            int sourceChannel = frame.Format == PixelFormat.Bgr24 ? 2 - colour : colour;
            (float scale, float offset) = normalization.Affine(c);

            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int cx = x - mapping.OffsetX;
                    int cy = y - mapping.OffsetY;
                    float value;
                    if (cx < 0 || cy < 0 || cx >= mapping.ContentWidth || cy >= mapping.ContentHeight)
                    {
                        value = preprocessing.PadValue;
                    }
                    else
                    {
                        SourceCoordinate(cy, scaleY, frame.Height, out int y0, out int y1, out float wy);
                        SourceCoordinate(cx, scaleX, frame.Width, out int x0, out int x1, out float wx);

                        float p00 = pixels[(y0 * frame.Stride) + (x0 * 3) + sourceChannel];
                        float p01 = pixels[(y0 * frame.Stride) + (x1 * 3) + sourceChannel];
                        float p10 = pixels[(y1 * frame.Stride) + (x0 * 3) + sourceChannel];
                        float p11 = pixels[(y1 * frame.Stride) + (x1 * 3) + sourceChannel];

                        float top = ((1f - wx) * p00) + (wx * p01);
                        float bottom = ((1f - wx) * p10) + (wx * p11);
                        value = ((1f - wy) * top) + (wy * bottom);
                    }

                    int at = layout == TensorLayout.Nhwc ? (((y * width) + x) * Preprocessor.Channels) + c : (c * plane) + (y * width) + x;
                    item[at] = T.CreateTruncating((value * scale) + offset);
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
