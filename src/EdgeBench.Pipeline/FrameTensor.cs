using System.Runtime.Intrinsics;
using EdgeBench.Core.Imaging;

namespace EdgeBench.Pipeline;

/// <summary>
/// Stage 1, frame buffer -> image tensor: decoded camera frames (RGB24 or BGR24, any stride) copied into one
/// contiguous RGB24 [N, H, W, 3] batch tensor that the pipeline owns. This is the hand-off every capture loop
/// makes (a decoder's buffer is reused for the next frame, so the pipeline must own a copy), and where OpenCV's
/// BGR order becomes the RGB order models expect.
/// </summary>
public sealed class FrameTensor
{
    private readonly byte[] _pixels;

    public FrameTensor(int width, int height, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Width = width;
        Height = height;
        BatchSize = batchSize;
        _pixels = GC.AllocateArray<byte>(checked(width * height * FrameBuffer.BytesPerPixel * batchSize), pinned: true);
    }

    public int Width { get; }

    public int Height { get; }

    public int BatchSize { get; }

    /// <summary>Bytes of one frame in the tensor.</summary>
    public int FrameBytes => Width * Height * FrameBuffer.BytesPerPixel;

    /// <summary>Total bytes of the batch tensor.</summary>
    public int ByteCount => _pixels.Length;

    /// <summary>Batch item <paramref name="index"/> as a packed RGB24 frame (no copy).</summary>
    public FrameBuffer Frame(int index) =>
        new(Width, Height, Width * FrameBuffer.BytesPerPixel, PixelFormat.Rgb24, _pixels.AsMemory(index * FrameBytes, FrameBytes));

    /// <summary>Copies <paramref name="frame"/> into batch item <paramref name="index"/>, converting BGR to RGB.</summary>
    public void Load(in FrameBuffer frame, int index)
    {
        if (frame.Width != Width || frame.Height != Height)
        {
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}; this tensor holds {Width}x{Height} frames.", nameof(frame));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BatchSize);
        ReadOnlySpan<byte> source = frame.Pixels.Span;
        Span<byte> destination = _pixels.AsSpan(index * FrameBytes, FrameBytes);
        int rowBytes = Width * FrameBuffer.BytesPerPixel;
        bool packed = frame.Stride == rowBytes;
        for (int y = 0; y < Height; y++)
        {
            // A packed frame is one long row: one call covers the whole frame.
            int rows = packed ? Height : 1;
            ReadOnlySpan<byte> src = source.Slice(y * frame.Stride, rowBytes * rows);
            Span<byte> dst = destination.Slice(y * rowBytes, rowBytes * rows);
            if (frame.Format == PixelFormat.Rgb24)
            {
                src.CopyTo(dst);
            }
            else
            {
                SwapRedBlue(src, dst);
            }

            if (packed)
            {
                break;
            }
        }
    }

    /// <summary>
    /// BGR24 -> RGB24. Vector path: 16-byte loads at a 15-byte (5-pixel) step, one byte shuffle per load; the 16th
    /// output byte of each store is overwritten by the next store, so stores only move forward. The scalar tail
    /// handles what is left; <see cref="SwapRedBlueReference"/> is the definition it must match.
    /// </summary>
    internal static void SwapRedBlue(ReadOnlySpan<byte> bgr, Span<byte> rgb)
    {
        if (rgb.Length < bgr.Length)
        {
            throw new ArgumentException("Destination is shorter than the source.", nameof(rgb));
        }

        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // Lanes 0..14 hold five BGR pixels; lane 15 is the next pixel's first byte, kept in place (overwritten later).
            Vector128<byte> shuffle = Vector128.Create((byte)2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 15);
            for (; i + Vector128<byte>.Count <= bgr.Length; i += 15)
            {
                Vector128<byte> pixels = Vector128.Create(bgr.Slice(i, Vector128<byte>.Count));
                Vector128.Shuffle(pixels, shuffle).CopyTo(rgb.Slice(i, Vector128<byte>.Count));
            }
        }

        SwapRedBlueReference(bgr[i..], rgb[i..]);
    }

    /// <summary>Scalar definition of <see cref="SwapRedBlue"/>: each 3-byte pixel reversed.</summary>
    internal static void SwapRedBlueReference(ReadOnlySpan<byte> bgr, Span<byte> rgb)
    {
        for (int p = 0; p + 2 < bgr.Length; p += 3)
        {
            byte b = bgr[p];
            rgb[p] = bgr[p + 2];
            rgb[p + 1] = bgr[p + 1];
            rgb[p + 2] = b;
        }
    }
}
