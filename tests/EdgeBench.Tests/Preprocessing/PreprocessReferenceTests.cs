using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

/// <summary>The oracle itself, against values worked out by hand.</summary>
public class PreprocessReferenceTests
{
    [Fact]
    public void Identity_resize_gives_exactly_the_affine_normalization_in_planar_rgb_order()
    {
        // 2x2 BGR frame with a 1-byte stride pad; the reference must emit R, G, B planes.
        byte[] bytes =
        [
            10, 20, 30, 40, 50, 60, 99,
            70, 80, 90, 100, 110, 120,
        ];
        var frame = new FrameBuffer(2, 2, 7, PixelFormat.Bgr24, bytes);
        var output = new float[12];
        PreprocessReference.Run(frame, 2, 2, Normalization.ImageNet, output, 0);

        byte[][] pixels = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]];
        for (int c = 0; c < 3; c++)
        {
            (float scale, float offset) = Normalization.ImageNet.Affine(c);
            for (int p = 0; p < 4; p++)
            {
                byte x = pixels[p][2 - c];
                Assert.Equal((x * scale) + offset, output[(c * 4) + p]);

                // The affine form agrees with the textbook (x / 255 - mean) / std.
                float textbook = ((x / 255f) - Normalization.ImageNet.Mean[c]) / Normalization.ImageNet.Std[c];
                Assert.Equal(textbook, output[(c * 4) + p], 1e-5f);
            }
        }
    }

    [Fact]
    public void Nhwc_bgr_letterbox_places_interleaved_pixels_and_pad_rows_by_hand()
    {
        // A 2x1 RGB frame letterboxed into 2x4: gain min(2/2, 4/1) = 1, content 2x1, slack 3 rows -> 1 above, 2 below.
        var frame = FrameBuffer.Packed(2, 1, PixelFormat.Rgb24, new byte[] { 10, 20, 30, 40, 50, 60 });
        var output = new float[2 * 4 * 3];
        var preprocessing = new InputPreprocessing(ChannelOrder.Bgr, ResizeMode.Letterbox, PadValue: 7);
        PreprocessReference.Run(frame, 2, 4, Normalization.ZeroToOne, output, 0, TensorLayout.Nhwc, preprocessing);

        float[] pad = [7 / 255f, 7 / 255f, 7 / 255f, 7 / 255f, 7 / 255f, 7 / 255f];
        Assert.Equal(pad, output[0..6], new FloatTolerance(1e-7f));
        Assert.Equal(new[] { 30 / 255f, 20 / 255f, 10 / 255f, 60 / 255f, 50 / 255f, 40 / 255f }, output[6..12], new FloatTolerance(1e-7f));
        Assert.Equal(pad, output[12..18], new FloatTolerance(1e-7f));
        Assert.Equal(pad, output[18..24], new FloatTolerance(1e-7f));
    }

    [Fact]
    public void Two_by_one_to_one_by_one_gives_the_average()
    {
        // Centre of the single output pixel maps to source x = 0.5: halfway between the two pixels.
        var frame = FrameBuffer.Packed(2, 1, PixelFormat.Rgb24, new byte[] { 10, 100, 255, 20, 0, 0 });
        var output = new float[3];
        PreprocessReference.Run(frame, 1, 1, Normalization.ZeroToOne, output, 0);
        Assert.Equal(15f / 255f, output[0], 1e-7f);
        Assert.Equal(50f / 255f, output[1], 1e-7f);
        Assert.Equal(127.5f / 255f, output[2], 1e-7f);
    }

    [Fact]
    public void Two_by_two_to_one_by_one_gives_the_mean_of_four()
    {
        var frame = FrameBuffer.Packed(2, 2, PixelFormat.Rgb24, new byte[] { 0, 0, 0, 40, 0, 0, 80, 0, 0, 120, 0, 0 });
        var output = new float[3];
        PreprocessReference.Run(frame, 1, 1, Normalization.ZeroToOne, output, 0);
        Assert.Equal(60f / 255f, output[0], 1e-7f);
    }

    [Fact]
    public void Upscale_uses_half_pixel_centres_and_clamps_at_the_edges()
    {
        // 2 -> 4 columns: s = (d + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped 0, lerp 0.25, lerp 0.75, clamped 1.
        var frame = FrameBuffer.Packed(2, 1, PixelFormat.Rgb24, new byte[] { 0, 0, 0, 100, 0, 0 });
        var output = new float[12];
        var unit = new Normalization([0f, 0f, 0f], [1f / 255f, 1f / 255f, 1f / 255f]);
        PreprocessReference.Run(frame, 4, 1, unit, output, 0);
        Assert.Equal(0f, output[0], 1e-4f);
        Assert.Equal(25f, output[1], 1e-4f);
        Assert.Equal(75f, output[2], 1e-4f);
        Assert.Equal(100f, output[3], 1e-4f);
    }

    [Fact]
    public void Writes_only_its_batch_item()
    {
        var frame = FrameBuffer.Packed(1, 1, PixelFormat.Rgb24, new byte[] { 255, 255, 255 });
        var output = new float[9];
        PreprocessReference.Run(frame, 1, 1, Normalization.ZeroToOne, output, 2);
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 1f], output);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
