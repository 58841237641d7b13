namespace EdgeBench.Core.Imaging;

/// <summary>Pixel formats of decoded camera/video frames.</summary>
public enum PixelFormat
{
    /// <summary>8-bit R, G, B interleaved.</summary>
    Rgb24,

    /// <summary>8-bit B, G, R interleaved (OpenCV's default).</summary>
    Bgr24,
}

/// <summary>
/// One decoded frame in memory: <paramref name="Height"/> rows of <paramref name="Stride"/> bytes, of which the first
/// <c>Width * 3</c> hold pixels. It does not own or copy <paramref name="Pixels"/>.
/// </summary>
public readonly record struct FrameBuffer(int Width, int Height, int Stride, PixelFormat Format, ReadOnlyMemory<byte> Pixels)
{
    /// <summary>Bytes per pixel of the packed formats.</summary>
    public const int BytesPerPixel = 3;

    /// <summary>A tightly packed frame (stride = width * 3), validated.</summary>
    public static FrameBuffer Packed(int width, int height, PixelFormat format, ReadOnlyMemory<byte> pixels)
    {
        var frame = new FrameBuffer(width, height, width * BytesPerPixel, format, pixels);
        frame.Validate();
        return frame;
    }

    /// <summary>Throws when the dimensions and buffer do not agree.</summary>
    public void Validate()
    {
        if (Width <= 0 || Height <= 0)
        {
            throw new ArgumentException($"Frame size must be positive, got {Width}x{Height}.");
        }

        if (Stride < Width * BytesPerPixel)
        {
            throw new ArgumentException($"Stride {Stride} is smaller than width*3 = {Width * BytesPerPixel}.");
        }

        long needed = ((long)Stride * (Height - 1)) + ((long)Width * BytesPerPixel);
        if (Pixels.Length < needed)
        {
            throw new ArgumentException($"Frame buffer holds {Pixels.Length} bytes; {Width}x{Height} with stride {Stride} needs {needed}.");
        }
    }
}
