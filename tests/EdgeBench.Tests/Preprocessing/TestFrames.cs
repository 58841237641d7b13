using EdgeBench.Core.Imaging;

namespace EdgeBench.Tests.Preprocessing;

internal static class TestFrames
{
    /// <summary>
    /// A frame of seeded random bytes. The buffer ends exactly after the last pixel (no slack), which is the case
    /// where a kernel that reads past a row would run off the buffer; padding bytes hold random values too.
    /// </summary>
    public static FrameBuffer Random(int width, int height, PixelFormat format, int stridePadding, int seed)
    {
        int stride = (width * 3) + stridePadding;
        var bytes = new byte[(stride * (height - 1)) + (width * 3)];
        new Random(seed).NextBytes(bytes);
        return new FrameBuffer(width, height, stride, format, bytes);
    }
}
