using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

/// <summary>
/// The per-model variants (NHWC, BGR, letterbox) of the vectorized preprocess against the scalar reference, every
/// combination of layout x channel order x resize x precision on odd sizes and every code path, plus properties that
/// hold without the reference (NHWC is the transpose of NCHW, BGR swaps planes, the letterbox bands are the pad).
/// </summary>
public class PreprocessorVariantTests
{
    private const float Fp32Tolerance = 1e-5f;
    private const float Fp16Tolerance = 3.9e-3f;

    public static TheoryData<int, TensorLayout, ChannelOrder, ResizeMode> Combinations()
    {
        var data = new TheoryData<int, TensorLayout, ChannelOrder, ResizeMode>();
        foreach (PreprocessKernel kernel in Enum.GetValues<PreprocessKernel>())
        {
            foreach (TensorLayout layout in Enum.GetValues<TensorLayout>())
            {
                foreach (ChannelOrder order in Enum.GetValues<ChannelOrder>())
                {
                    foreach (ResizeMode resize in Enum.GetValues<ResizeMode>())
                    {
                        data.Add((int)kernel, layout, order, resize);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Every_variant_matches_the_reference_in_fp32_and_fp16_on_odd_sizes(int kernelNumber, TensorLayout layout, ChannelOrder order, ResizeMode resize)
    {
        var kernel = (PreprocessKernel)kernelNumber;

        // Sources: tiny, odd, one wide enough for the VBMI permute (200); destinations: odd, square, wider and taller
        // than the source's aspect (letterbox bands on either axis), and content sizes equal to the source (no resize
        // inside the bands: 33x17 into 33x41 and 45x17).
        (int W, int H)[] sources = [(1, 1), (7, 5), (33, 17), (200, 7)];
        (int W, int H)[] destinations = [(1, 1), (3, 2), (21, 13), (19, 23), (37, 37), (67, 45), (33, 41), (45, 17)];
        foreach ((int sw, int sh) in sources)
        {
            foreach (PixelFormat format in new[] { PixelFormat.Rgb24, PixelFormat.Bgr24 })
            {
                FrameBuffer frame = TestFrames.Random(sw, sh, format, stridePadding: (sw % 3) + 1, seed: (sw * 31) + sh);
                foreach ((int dw, int dh) in destinations)
                {
                    var preprocessing = new InputPreprocessing(order, resize, PadValue: (byte)(dw % 2 == 0 ? 0 : 114));
                    AssertMatchesReference(frame, dw, dh, Normalization.ImageNet, layout, preprocessing, kernel);
                }
            }
        }
    }

    [Theory]
    [InlineData(640, 480, 640, 640)]
    [InlineData(640, 480, 416, 416)]
    [InlineData(1280, 720, 320, 320)]
    [InlineData(480, 640, 300, 300)]
    public void Model_sizes_match_the_reference_in_every_variant(int sw, int sh, int dw, int dh)
    {
        FrameBuffer frame = TestFrames.Random(sw, sh, PixelFormat.Rgb24, stridePadding: 0, seed: dw + dh);
        foreach (TensorLayout layout in Enum.GetValues<TensorLayout>())
        {
            foreach (ChannelOrder order in Enum.GetValues<ChannelOrder>())
            {
                foreach (ResizeMode resize in Enum.GetValues<ResizeMode>())
                {
                    AssertMatchesReference(frame, dw, dh, Normalization.ZeroToOne, layout, new InputPreprocessing(order, resize), Preprocessor.BestKernel);
                }
            }
        }
    }

    [Fact]
    public void Nhwc_is_the_transpose_of_nchw_and_bgr_swaps_the_outer_planes()
    {
        FrameBuffer frame = TestFrames.Random(45, 29, PixelFormat.Bgr24, stridePadding: 2, seed: 4);
        var normalization = new Normalization([0.1f, 0.2f, 0.3f], [0.5f, 0.6f, 0.7f]);
        var swapped = new Normalization([0.3f, 0.2f, 0.1f], [0.7f, 0.6f, 0.5f]);
        const int w = 37, h = 23, plane = w * h;

        float[] nchw = RunVectorized(frame, w, h, normalization, TensorLayout.Nchw, InputPreprocessing.Default);
        float[] nhwc = RunVectorized(frame, w, h, normalization, TensorLayout.Nhwc, InputPreprocessing.Default);
        float[] bgr = RunVectorized(frame, w, h, swapped, TensorLayout.Nchw, new InputPreprocessing(ChannelOrder.Bgr));

        for (int c = 0; c < 3; c++)
        {
            for (int p = 0; p < plane; p++)
            {
                Assert.Equal(nchw[(c * plane) + p], nhwc[(p * 3) + c]);
                Assert.Equal(nchw[(c * plane) + p], bgr[((2 - c) * plane) + p]);
            }
        }
    }

    [Theory]
    [InlineData(TensorLayout.Nchw)]
    [InlineData(TensorLayout.Nhwc)]
    public void Letterbox_bands_hold_the_normalized_pad_and_the_content_is_the_unpadded_resize(TensorLayout layout)
    {
        // 640x480 into 640x640: gain 1, so the content is the frame itself (no resize) between 80-row bands.
        FrameBuffer frame = TestFrames.Random(640, 480, PixelFormat.Rgb24, stridePadding: 0, seed: 12);
        var normalization = Normalization.ImageNet;
        float[] letterboxed = RunVectorized(frame, 640, 640, normalization, layout, new InputPreprocessing(Resize: ResizeMode.Letterbox));
        float[] plain = RunVectorized(frame, 640, 480, normalization, layout, InputPreprocessing.Default);

        for (int y = 0; y < 640; y++)
        {
            for (int x = 0; x < 640; x += 7)
            {
                for (int c = 0; c < 3; c++)
                {
                    float actual = letterboxed[Index(layout, c, y, x, 640, 640)];
                    if (y < 80 || y >= 560)
                    {
                        (float scale, float offset) = normalization.Affine(c);
                        Assert.Equal((InputPreprocessing.DefaultPadValue * scale) + offset, actual);
                    }
                    else
                    {
                        Assert.Equal(plain[Index(layout, c, y - 80, x, 640, 480)], actual);
                    }
                }
            }
        }
    }

    [Fact]
    public void Every_variant_runs_without_allocating()
    {
        FrameBuffer frame = TestFrames.Random(640, 480, PixelFormat.Bgr24, 0, 3);
        foreach (TensorLayout layout in Enum.GetValues<TensorLayout>())
        {
            var preprocessor = new Preprocessor(640, 480, 416, 416, Normalization.ImageNet, layout, new InputPreprocessing(ChannelOrder.Bgr, ResizeMode.Letterbox));
            var tensor = new float[2 * preprocessor.ElementsPerItem];
            var halfTensor = new Half[2 * preprocessor.ElementsPerItem];
            preprocessor.Run(frame, tensor, 1);
            preprocessor.Run(frame, halfTensor, 1);

            long before = GC.GetAllocatedBytesForCurrentThread();
            preprocessor.Run(frame, tensor, 1);
            preprocessor.Run(frame, halfTensor, 0);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    [Fact]
    public void Model_constructor_reads_layout_and_preprocessing_from_an_nhwc_descriptor()
    {
        var model = new ModelDescriptor("mine", ModelFamily.FeatureExtractor, new TensorSpec("images", [1, 240, 320, 3]),
            Normalization.ZeroToOne, [], PostprocessKind.None, "test", TensorLayout.Nhwc)
        {
            Preprocessing = new InputPreprocessing(ChannelOrder.Bgr, ResizeMode.Letterbox, 0),
        };

        var preprocessor = new Preprocessor(model, 640, 480);

        Assert.Equal((320, 240, 3, TensorLayout.Nhwc), (model.InputWidth, model.InputHeight, model.InputChannels, model.Layout));
        Assert.Equal((320, 240, TensorLayout.Nhwc), (preprocessor.InputWidth, preprocessor.InputHeight, preprocessor.Layout));
        Assert.Equal(model.Preprocessing, preprocessor.Preprocessing);
        Assert.Equal(FrameMapping.For(ResizeMode.Letterbox, 640, 480, 320, 240), preprocessor.Mapping);
    }

    private static int Index(TensorLayout layout, int c, int y, int x, int width, int height) =>
        layout == TensorLayout.Nhwc ? (((y * width) + x) * 3) + c : (c * width * height) + (y * width) + x;

    private static float[] RunVectorized(FrameBuffer frame, int width, int height, Normalization normalization, TensorLayout layout, InputPreprocessing preprocessing)
    {
        var preprocessor = new Preprocessor(frame.Width, frame.Height, width, height, normalization, layout, preprocessing);
        var output = new float[preprocessor.ElementsPerItem];
        preprocessor.Run(frame, output);
        return output;
    }

    private static void AssertMatchesReference(FrameBuffer frame, int dw, int dh, Normalization normalization, TensorLayout layout, InputPreprocessing preprocessing, PreprocessKernel kernel)
    {
        var preprocessor = new Preprocessor(frame.Width, frame.Height, dw, dh, normalization, layout, preprocessing) { Kernel = kernel };
        int item = preprocessor.ElementsPerItem;

        // Item 1 of a 3-item batch filled with NaN: the item lands at its offset, and the others stay untouched.
        var actual = new float[3 * item];
        var actualHalf = new Half[3 * item];
        Array.Fill(actual, float.NaN);
        Array.Fill(actualHalf, Half.NaN);
        var expected = new float[item];
        var expectedHalf = new Half[item];
        preprocessor.Run(frame, actual, 1);
        preprocessor.Run(frame, actualHalf, 1);
        PreprocessReference.Run(frame, dw, dh, normalization, expected, 0, layout, preprocessing);
        PreprocessReference.Run(frame, dw, dh, normalization, expectedHalf, 0, layout, preprocessing);

        string Where(int i) => $"{kernel} {layout} {preprocessing} {frame.Format} {frame.Width}x{frame.Height} -> {dw}x{dh}: element {i}";
        for (int i = 0; i < item; i++)
        {
            if (!(Math.Abs(actual[item + i] - expected[i]) <= Fp32Tolerance))
            {
                Assert.Fail($"{Where(i)}: expected {expected[i]}, got {actual[item + i]}");
            }

            float e = (float)expectedHalf[i];
            float a = (float)actualHalf[item + i];
            if (!(Math.Abs(a - e) <= Fp16Tolerance * Math.Max(1f, Math.Abs(e))))
            {
                Assert.Fail($"{Where(i)} (fp16): expected {e}, got {a}");
            }
        }

        Assert.All(actual[..item], v => Assert.True(float.IsNaN(v)));
        Assert.All(actual[(2 * item)..], v => Assert.True(float.IsNaN(v)));
        Assert.All(actualHalf[..item], v => Assert.True(Half.IsNaN(v)));
        Assert.All(actualHalf[(2 * item)..], v => Assert.True(Half.IsNaN(v)));
    }
}
