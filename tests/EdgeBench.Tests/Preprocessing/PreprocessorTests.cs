using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

public class PreprocessorTests
{
    // Normalized values reach about +-2.6 with ImageNet statistics; the paths differ only in summation order and FMA
    // contraction of values up to 255, which is a few fp32 ulps after scaling.
    private const float Fp32Tolerance = 1e-5f;
    private const float Fp16Tolerance = 3.9e-3f;

    // PreprocessKernel is internal, so theories take its number. Paths the machine lacks fall back to the best one.
    public static TheoryData<int> Kernels => [(int)PreprocessKernel.Scalar, (int)PreprocessKernel.Vector128, (int)PreprocessKernel.Avx2, (int)PreprocessKernel.Avx512Vbmi];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Matches_reference_for_small_sources_and_every_destination_size_up_to_67(int kernelNumber)
    {
        var kernel = (PreprocessKernel)kernelNumber;
        // 50 and 200 wide reach the VBMI permute path (rows of 128+ bytes); strong downscales of 200 fall back to gathers.
        (int W, int H)[] sources = [(1, 1), (2, 1), (7, 5), (33, 17), (50, 9), (200, 7)];
        foreach ((int sw, int sh) in sources)
        {
            foreach (PixelFormat format in new[] { PixelFormat.Rgb24, PixelFormat.Bgr24 })
            {
                FrameBuffer frame = TestFrames.Random(sw, sh, format, stridePadding: (sw % 3) + 1, seed: sw * 31 + sh);
                for (int d = 1; d <= 67; d++)
                {
                    // Square and two non-square shapes per size, so width and height remainders vary independently.
                    AssertMatchesReference(frame, d, d, Normalization.ImageNet, kernel);
                    AssertMatchesReference(frame, d, (d * 7 % 13) + 1, Normalization.MinusOneToOne, kernel);
                    AssertMatchesReference(frame, (d * 5 % 11) + 1, d, Normalization.ZeroToOne, kernel);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Identity_size_skips_the_resize_and_matches_reference_for_widths_1_to_70(int kernelNumber)
    {
        var kernel = (PreprocessKernel)kernelNumber;
        for (int w = 1; w <= 70; w++)
        {
            foreach (PixelFormat format in new[] { PixelFormat.Rgb24, PixelFormat.Bgr24 })
            {
                FrameBuffer frame = TestFrames.Random(w, 3, format, stridePadding: w % 4, seed: w);
                Assert.True(new Preprocessor(w, 3, w, 3, Normalization.ImageNet).IsIdentityResize);
                AssertMatchesReference(frame, w, 3, Normalization.ImageNet, kernel);
            }
        }
    }

    [Theory]
    [InlineData(640, 480, 300, 300, PixelFormat.Rgb24, 0)]
    [InlineData(640, 480, 224, 224, PixelFormat.Bgr24, 0)]
    [InlineData(640, 480, 416, 416, PixelFormat.Rgb24, 7)]
    [InlineData(640, 480, 67, 45, PixelFormat.Bgr24, 1)]
    [InlineData(33, 17, 300, 300, PixelFormat.Rgb24, 2)]
    [InlineData(7, 5, 416, 416, PixelFormat.Bgr24, 0)]
    [InlineData(1, 1, 224, 224, PixelFormat.Rgb24, 0)]
    [InlineData(300, 300, 300, 300, PixelFormat.Rgb24, 0)]
    [InlineData(416, 416, 416, 416, PixelFormat.Bgr24, 5)]
    [InlineData(33, 17, 33, 17, PixelFormat.Rgb24, 1)]
    public void Matches_reference_for_model_sizes(int sw, int sh, int dw, int dh, PixelFormat format, int stridePadding)
    {
        FrameBuffer frame = TestFrames.Random(sw, sh, format, stridePadding, seed: dw);
        foreach (PreprocessKernel kernel in Enum.GetValues<PreprocessKernel>())
        {
            AssertMatchesReference(frame, dw, dh, Normalization.ImageNet, kernel);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Fp16_output_matches_reference(int kernelNumber)
    {
        var kernel = (PreprocessKernel)kernelNumber;
        foreach ((int sw, int sh, int dw, int dh) in new[] { (640, 480, 300, 300), (33, 17, 19, 23), (7, 5, 7, 5), (1, 1, 3, 2) })
        {
            FrameBuffer frame = TestFrames.Random(sw, sh, PixelFormat.Bgr24, stridePadding: 3, seed: 5);
            var preprocessor = new Preprocessor(sw, sh, dw, dh, Normalization.ImageNet) { Kernel = kernel };
            var actual = new Half[preprocessor.ElementsPerItem];
            var expected = new Half[preprocessor.ElementsPerItem];
            preprocessor.Run(frame, actual);
            PreprocessReference.Run(frame, dw, dh, Normalization.ImageNet, expected, 0);

            for (int i = 0; i < actual.Length; i++)
            {
                float e = (float)expected[i];
                float a = (float)actual[i];
                Assert.True(Math.Abs(a - e) <= Fp16Tolerance * Math.Max(1f, Math.Abs(e)), $"{sw}x{sh}->{dw}x{dh} element {i}: expected {e}, got {a}");
            }
        }
    }

    [Fact]
    public void Batch_item_lands_at_its_offset_and_leaves_other_items_untouched()
    {
        const int batch = 3;
        var preprocessor = new Preprocessor(33, 17, 21, 13, Normalization.ImageNet);
        int item = preprocessor.ElementsPerItem;
        Assert.Equal(3 * 21 * 13, item);

        var tensor = new float[batch * item];
        var halfTensor = new Half[batch * item];
        Array.Fill(tensor, float.NaN);
        Array.Fill(halfTensor, Half.NaN);
        FrameBuffer frame = TestFrames.Random(33, 17, PixelFormat.Rgb24, stridePadding: 0, seed: 9);

        preprocessor.Run(frame, tensor, batchIndex: 1);
        preprocessor.Run(frame, halfTensor, batchIndex: 1);

        var expected = new float[item];
        PreprocessReference.Run(frame, 21, 13, Normalization.ImageNet, expected, 0);
        for (int i = 0; i < batch * item; i++)
        {
            bool inItem = i >= item && i < 2 * item;
            Assert.Equal(!inItem, float.IsNaN(tensor[i]));
            Assert.Equal(!inItem, Half.IsNaN(halfTensor[i]));
            if (inItem)
            {
                Assert.True(Math.Abs(tensor[i] - expected[i - item]) <= Fp32Tolerance);
            }
        }

        // The last item fits exactly; one past it does not.
        preprocessor.Run(frame, tensor, batchIndex: 2);
        Assert.Throws<ArgumentException>(() => preprocessor.Run(frame, tensor, batchIndex: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => preprocessor.Run(frame, tensor, batchIndex: -1));
    }

    [Fact]
    public void RunBatch_fills_item_i_from_frame_i()
    {
        var preprocessor = new Preprocessor(7, 5, 4, 3, Normalization.ZeroToOne);
        FrameBuffer[] frames = [.. Enumerable.Range(0, 3).Select(i => TestFrames.Random(7, 5, PixelFormat.Bgr24, 2, seed: 100 + i))];
        var tensor = new float[3 * preprocessor.ElementsPerItem];
        var halfTensor = new Half[3 * preprocessor.ElementsPerItem];
        preprocessor.RunBatch(frames, tensor);
        preprocessor.RunBatch(frames, halfTensor);

        var expected = new float[3 * preprocessor.ElementsPerItem];
        for (int i = 0; i < frames.Length; i++)
        {
            PreprocessReference.Run(frames[i], 4, 3, Normalization.ZeroToOne, expected, i);
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], tensor[i], Fp32Tolerance);
            Assert.Equal(expected[i], (float)halfTensor[i], Fp16Tolerance);
        }
    }

    [Fact]
    public void Rejects_frames_of_another_size()
    {
        var preprocessor = new Preprocessor(640, 480, 300, 300, Normalization.MinusOneToOne);
        FrameBuffer frame = TestFrames.Random(320, 240, PixelFormat.Rgb24, 0, 1);
        var ex = Assert.Throws<ArgumentException>(() => preprocessor.Run(frame, new float[preprocessor.ElementsPerItem]));
        Assert.Contains("320x240", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_constructor_takes_input_size_and_normalization_from_descriptor()
    {
        var model = new ModelDescriptor(
            "ssd300",
            ModelFamily.Detector,
            new TensorSpec("image", [TensorSpec.DynamicBatch, 3, 300, 280]),
            Normalization.MinusOneToOne,
            [],
            PostprocessKind.Ssd,
            "test");
        var preprocessor = new Preprocessor(model, 640, 480);
        Assert.Equal(280, preprocessor.InputWidth);
        Assert.Equal(300, preprocessor.InputHeight);
        Assert.Same(Normalization.MinusOneToOne, preprocessor.Normalization);
    }

    [Fact]
    public void Steady_state_run_does_not_allocate()
    {
        var preprocessor = new Preprocessor(640, 480, 300, 300, Normalization.ImageNet);
        FrameBuffer frame = TestFrames.Random(640, 480, PixelFormat.Rgb24, 0, 3);
        var tensor = new float[2 * preprocessor.ElementsPerItem];
        var halfTensor = new Half[2 * preprocessor.ElementsPerItem];
        preprocessor.Run(frame, tensor, 1);
        preprocessor.Run(frame, halfTensor, 1);

        long before = GC.GetAllocatedBytesForCurrentThread();
        preprocessor.Run(frame, tensor, 1);
        preprocessor.Run(frame, halfTensor, 0);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static void AssertMatchesReference(FrameBuffer frame, int dw, int dh, Normalization normalization, PreprocessKernel kernel)
    {
        var preprocessor = new Preprocessor(frame.Width, frame.Height, dw, dh, normalization) { Kernel = kernel };
        var actual = new float[preprocessor.ElementsPerItem];
        var expected = new float[preprocessor.ElementsPerItem];
        preprocessor.Run(frame, actual);
        PreprocessReference.Run(frame, dw, dh, normalization, expected, 0);

        for (int i = 0; i < actual.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= Fp32Tolerance))
            {
                int plane = dw * dh;
                Assert.Fail($"{kernel} {frame.Format} {frame.Width}x{frame.Height} (stride {frame.Stride}) -> {dw}x{dh}: " +
                    $"c={i / plane} y={i % plane / dw} x={i % dw}: expected {expected[i]}, got {actual[i]}");
            }
        }
    }
}
