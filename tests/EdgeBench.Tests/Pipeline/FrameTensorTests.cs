using EdgeBench.Core.Imaging;
using EdgeBench.Pipeline;

namespace EdgeBench.Tests.Pipeline;

public class FrameTensorTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        // Every remainder around the 15-byte vector step and the 16-byte load, plus a frame row.
        for (int pixels = 0; pixels <= 40; pixels++)
        {
            data.Add(pixels * 3);
        }

        data.Add(640 * 3);
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Vectorized_swap_matches_the_scalar_reference(int length)
    {
        byte[] bgr = Enumerable.Range(0, length).Select(i => (byte)((i * 37) + 11)).ToArray();
        byte[] expected = new byte[length];
        byte[] actual = new byte[length];

        FrameTensor.SwapRedBlueReference(bgr, expected);
        FrameTensor.SwapRedBlue(bgr, actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Reference_swaps_the_first_and_third_byte_of_each_pixel()
    {
        byte[] rgb = new byte[6];
        FrameTensor.SwapRedBlueReference([1, 2, 3, 4, 5, 6], rgb);

        Assert.Equal([3, 2, 1, 6, 5, 4], rgb);
    }

    [Theory]
    [InlineData(PixelFormat.Rgb24, 0)]
    [InlineData(PixelFormat.Bgr24, 0)]
    [InlineData(PixelFormat.Bgr24, 5)]
    public void Load_places_each_frame_in_its_batch_slot_as_rgb(PixelFormat format, int padding)
    {
        const int width = 7, height = 3;
        int stride = (width * 3) + padding;
        byte[] pixels = Enumerable.Range(0, stride * height).Select(i => (byte)i).ToArray();
        var frame = new FrameBuffer(width, height, stride, format, pixels);
        var tensor = new FrameTensor(width, height, batchSize: 2);

        tensor.Load(frame, 1);

        ReadOnlySpan<byte> slot0 = tensor.Frame(0).Pixels.Span;
        ReadOnlySpan<byte> slot1 = tensor.Frame(1).Pixels.Span;
        Assert.True(slot0.IndexOfAnyExcept((byte)0) < 0, "batch item 0 must stay untouched");
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int source = (y * stride) + (x * 3), target = ((y * width) + x) * 3;
                (int r, int b) = format == PixelFormat.Rgb24 ? (0, 2) : (2, 0);
                Assert.Equal(pixels[source + r], slot1[target]);
                Assert.Equal(pixels[source + 1], slot1[target + 1]);
                Assert.Equal(pixels[source + b], slot1[target + 2]);
            }
        }
    }

    [Fact]
    public void Load_rejects_a_frame_of_another_size()
    {
        var tensor = new FrameTensor(4, 4, 1);
        var frame = FrameBuffer.Packed(5, 4, PixelFormat.Rgb24, new byte[5 * 4 * 3]);

        ArgumentException error = Assert.Throws<ArgumentException>(() => tensor.Load(frame, 0));
        Assert.Contains("5x4", error.Message, StringComparison.Ordinal);
    }
}
