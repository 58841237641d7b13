using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

/// <summary>
/// The row kernels at the Vector128 level (arm64's code; x86 runs the same loops, with pshufb where arm64 has TBL)
/// against the same kernels at the Scalar level, their scalar twins, on random rows of edge widths.
/// </summary>
public unsafe class PreprocessKernelsTests
{
    // 2 ulps of values in [128, 256): the vector lerp is one fused multiply-add, the scalar one rounds twice.
    private const float HorizontalTolerance = 1f / (1 << 15);

    public static TheoryData<int, int> HorizontalSizes => new()
    {
        { 1, 1 }, { 1, 17 }, { 2, 1 }, { 2, 8 }, { 2, 9 }, { 3, 300 }, { 5, 16 }, { 7, 13 }, { 33, 17 }, { 50, 31 },
        { 64, 64 }, { 200, 67 }, { 301, 300 }, { 640, 300 }, { 1280, 416 }, { 1920, 224 }, { 1920, 301 },
    };

    [Theory]
    [MemberData(nameof(HorizontalSizes))]
    public void Vector128_horizontal_pass_matches_the_scalar_twin(int sourceWidth, int outputWidth)
    {
        var random = new Random((sourceWidth * 7919) + outputWidth);
        byte[] row = new byte[(sourceWidth * 3) + 8];
        random.NextBytes(row);
        foreach (int s0 in new[] { 0, 2 })
        {
            float[] expected = Horizontal(row, sourceWidth, outputWidth, s0, PreprocessKernel.Scalar);
            float[] actual = Horizontal(row, sourceWidth, outputWidth, s0, PreprocessKernel.Vector128);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= HorizontalTolerance,
                    $"{sourceWidth}->{outputWidth} s0={s0} plane {i / outputWidth} column {i % outputWidth}: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    [Fact]
    public void Vector128_horizontal_pass_reads_each_column_from_its_own_taps()
    {
        // Pixel p holds bytes (p, 100 + p, 200 - p), and every weight is 0 or 1 at an integer downscale of 2: each output
        // is exactly one source byte, so a wrong lookup lane shows as a wrong pixel number, not as a rounding.
        const int sourceWidth = 48, outputWidth = 24;
        byte[] row = new byte[(sourceWidth * 3) + 8];
        for (int p = 0; p < sourceWidth; p++)
        {
            row[3 * p] = (byte)p;
            row[(3 * p) + 1] = (byte)(100 + p);
            row[(3 * p) + 2] = (byte)(200 - p);
        }

        float[] expected = Horizontal(row, sourceWidth, outputWidth, s0: 2, PreprocessKernel.Scalar);
        float[] actual = Horizontal(row, sourceWidth, outputWidth, s0: 2, PreprocessKernel.Vector128);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Vector128_vertical_passes_match_the_scalar_twin_at_every_width_to_70()
    {
        var random = new Random(3);
        for (int count = 1; count <= 70; count++)
        {
            float[] top = RandomValues(random, count), bottom = RandomValues(random, count);
            var expected = new float[count];
            var actual = new float[count];
            var expectedHalf = new Half[count];
            var actualHalf = new Half[count];
            float wTop = 0.7f / (255f * 0.229f), wBottom = 0.3f / (255f * 0.229f), offset = -0.485f / 0.229f;
            fixed (float* t = top, b = bottom, e = expected, a = actual)
            fixed (Half* eh = expectedHalf, ah = actualHalf)
            {
                PreprocessKernels.VerticalRow(t, b, e, count, wTop, wBottom, offset, PreprocessKernel.Scalar);
                PreprocessKernels.VerticalRow(t, b, a, count, wTop, wBottom, offset, PreprocessKernel.Vector128);
                PreprocessKernels.VerticalRowHalf(t, b, eh, count, wTop, wBottom, offset, PreprocessKernel.Scalar);
                PreprocessKernels.VerticalRowHalf(t, b, ah, count, wTop, wBottom, offset, PreprocessKernel.Vector128);
            }

            for (int i = 0; i < count; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5f, $"{count} wide, element {i}: expected {expected[i]}, got {actual[i]}");

                // One fp16 ulp at most: a fused result on the other side of an fp16 rounding boundary.
                Assert.True(Math.Abs((float)actualHalf[i] - (float)expectedHalf[i]) <= 3.9e-3f * Math.Max(1f, Math.Abs((float)expectedHalf[i])));
            }
        }
    }

    [Fact]
    public void Vector128_interleave_is_exact_at_every_width_to_70()
    {
        var random = new Random(4);
        for (int count = 0; count <= 70; count++)
        {
            float[] planes = RandomValues(random, 3 * count);
            var expected = new float[3 * count];
            var actual = new float[3 * count];
            fixed (float* p = planes, e = expected, a = actual)
            {
                PreprocessKernels.InterleaveRow(p, p + count, p + (2 * count), e, count, PreprocessKernel.Scalar);
                PreprocessKernels.InterleaveRow(p, p + count, p + (2 * count), a, count, PreprocessKernel.Vector128);
            }

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Vector128_deinterleave_matches_the_scalar_twin_at_every_width_to_70()
    {
        var random = new Random(5);
        float[] scale = [1f / (255f * 0.229f), 1f / (255f * 0.224f), 1f / (255f * 0.225f)];
        float[] offset = [-0.485f / 0.229f, -0.456f / 0.224f, -0.406f / 0.225f];
        for (int count = 1; count <= 70; count++)
        {
            byte[] row = new byte[3 * count];
            random.NextBytes(row);
            var expected = new float[3 * count];
            var actual = new float[3 * count];
            fixed (byte* r = row)
            fixed (float* e = expected, a = actual)
            {
                PreprocessKernels.DeinterleaveNormalizeRow(r, count, 2, 0, e, e + count, e + (2 * count), scale, offset, PreprocessKernel.Scalar);
                PreprocessKernels.DeinterleaveNormalizeRow(r, count, 2, 0, a, a + count, a + (2 * count), scale, offset, PreprocessKernel.Vector128);
            }

            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5f, $"{count} wide, element {i}: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    private static float[] Horizontal(byte[] row, int sourceWidth, int outputWidth, int s0, PreprocessKernel kernel)
    {
        (int[] offset0, int[] offset1, float[] weight) = Preprocessor.BuildHorizontalTaps(sourceWidth, outputWidth);
        var blocks = new HorizontalBlockTables(sourceWidth, offset0, offset1, weight);

        // NaN marks columns the kernel never wrote.
        var planes = new float[3 * outputWidth];
        Array.Fill(planes, float.NaN);
        fixed (byte* source = row)
        fixed (int* o0 = offset0, o1 = offset1, blockBase = blocks.Base, pairIndex = blocks.PairGatherIndex)
        fixed (float* w = weight, weightPairs = blocks.WeightPairs, p = planes)
        fixed (byte* blockIndex = s0 == 2 ? blocks.IndexBgr : blocks.IndexRgb)
        {
            var taps = new HorizontalTaps(o0, o1, w, blockBase, blockIndex, pairIndex, weightPairs);
            PreprocessKernels.HorizontalRow(source, taps, outputWidth, s0, 2 - s0, p, p + outputWidth, p + (2 * outputWidth), kernel);
        }

        return planes;
    }

    private static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextSingle() * 255f;
        }

        return values;
    }
}
