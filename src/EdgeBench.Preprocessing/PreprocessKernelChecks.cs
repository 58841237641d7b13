using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Core.Simd;

namespace EdgeBench.Preprocessing;

/// <summary>
/// The preprocessing kernels' vector paths against their scalar twins on seeded random inputs, at every
/// <see cref="PreprocessKernel"/> level this machine supports (the one it picks and each narrower vector level), for
/// the kernel self-check that the arm64 smoke test runs under emulation. Sizes include widths that are not multiples
/// of any vector width, 1-pixel rows, and upscales and strong downscales of the horizontal pass.
/// </summary>
public static class PreprocessKernelChecks
{
    // The preprocessing tests' tolerances: vector paths use fused multiply-adds where the scalar twin rounds twice.
    // The horizontal pass works on 0..255, where 2 ulps are 2^-15; normalized values (|x| < 3) get 1e-5, fp16 one ulp.
    private const double HorizontalTolerance = 1.0 / (1 << 15);
    private const double NormalizedTolerance = 1e-5;
    private const double HalfTolerance = 3.9e-3;

    private static readonly int[] s_counts = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 224, 301, 416];

    // (source width, output width): 1- and 2-pixel sources, upscales, windows the VBMI permute takes and strong
    // downscales it hands to the gather, at widths with every remainder modulo 8.
    private static readonly (int Source, int Output)[] s_horizontal =
        [(1, 9), (2, 5), (3, 300), (7, 13), (33, 17), (50, 31), (64, 64), (200, 67), (640, 300), (1280, 416), (1920, 224), (1920, 301)];

    /// <summary>Runs every check; one result per kernel and level.</summary>
    public static IReadOnlyList<KernelCheckResult> Run(int seed)
    {
        var results = new List<KernelCheckResult>();
        PreprocessKernel best = Preprocessor.BestKernel;
        for (PreprocessKernel level = PreprocessKernel.Vector128; level <= best; level++)
        {
            bool machine = level == best;
            results.Add(Horizontal(level, machine, seed));
            results.Add(Vertical(level, machine, seed));
            results.Add(VerticalHalf(level, machine, seed));
            results.Add(Deinterleave(level, machine, seed));
            results.Add(Interleave(level, machine, seed));
            results.AddRange(WholeFrame(level, machine, seed));
        }

        results.AddRange(HalfConversions(seed));
        return results;
    }

    /// <summary>The name of the code path <paramref name="kernel"/> takes at <paramref name="level"/> on this machine.</summary>
    internal static string PathName(string kernel, PreprocessKernel level)
    {
        bool arm = AdvSimd.Arm64.IsSupported;
        string byteShuffle = arm ? "AdvSimd TBL" : Ssse3.IsSupported ? "SSSE3 pshufb" : "Vector128.Shuffle";
        string wide = Vector512.IsHardwareAccelerated ? "Vector512/256/128" : "Vector256/128";
        return (kernel, level) switch
        {
            ("horizontal", PreprocessKernel.Vector128) => $"Vector128 + {byteShuffle}{(arm ? "4" : " x4")}",
            ("horizontal", PreprocessKernel.Avx2) => "Avx2 gather",
            ("horizontal", _) => "Avx512Vbmi vpermi2b + Avx2 gather",
            ("vertical", PreprocessKernel.Vector128) => arm ? "Vector128 (AdvSimd)" : "Vector128",
            ("vertical", _) => wide,
            ("deinterleave", PreprocessKernel.Avx512Vbmi) => $"Avx512Vbmi vpermb + Vector128 {byteShuffle}",
            ("deinterleave", _) => $"Vector128 + {byteShuffle}",
            ("interleave", PreprocessKernel.Vector128) => arm ? "AdvSimd ST3" : "Vector128 shuffles",
            ("interleave", PreprocessKernel.Avx2) => "Avx2 vpermps + Vector128",
            ("interleave", _) => "Avx512F vpermps + Avx2 + Vector128",
            _ => level.ToString(),
        };
    }

    private static unsafe KernelCheckResult Horizontal(PreprocessKernel level, bool machine, int seed)
    {
        var check = new KernelComparison("preprocess.horizontal", PathName("horizontal", level), machine, HorizontalTolerance);
        var random = new Random(seed);
        foreach ((int sourceWidth, int outputWidth) in s_horizontal)
        {
            // 8 slack bytes, as the Preprocessor's padded copy of a buffer's last row gives the vector loads.
            byte[] row = new byte[(sourceWidth * 3) + 8];
            random.NextBytes(row);
            (int[] offset0, int[] offset1, float[] weight) = Preprocessor.BuildHorizontalTaps(sourceWidth, outputWidth);
            var blocks = new HorizontalBlockTables(sourceWidth, offset0, offset1, weight);
            foreach (bool bgr in new[] { false, true })
            {
                int s0 = bgr ? 2 : 0;
                var expected = new float[3 * outputWidth];
                var actual = new float[3 * outputWidth];
                fixed (byte* source = row)
                fixed (int* o0 = offset0, o1 = offset1, blockBase = blocks.Base, pairIndex = blocks.PairGatherIndex)
                fixed (float* w = weight, weightPairs = blocks.WeightPairs, e = expected, a = actual)
                fixed (byte* blockIndex = bgr ? blocks.IndexBgr : blocks.IndexRgb)
                {
                    var taps = new HorizontalTaps(o0, o1, w, blockBase, blockIndex, pairIndex, weightPairs);
                    PreprocessKernels.HorizontalRow(source, taps, outputWidth, s0, 2 - s0, e, e + outputWidth, e + (2 * outputWidth), PreprocessKernel.Scalar);
                    PreprocessKernels.HorizontalRow(source, taps, outputWidth, s0, 2 - s0, a, a + outputWidth, a + (2 * outputWidth), level);
                }

                check.Compare($"{sourceWidth}->{outputWidth} {(bgr ? "bgr" : "rgb")}", expected, actual);
            }
        }

        return check.Result();
    }

    private static unsafe KernelCheckResult Vertical(PreprocessKernel level, bool machine, int seed)
    {
        var check = new KernelComparison("preprocess.vertical", PathName("vertical", level), machine, NormalizedTolerance);
        var random = new Random(seed + 1);
        foreach (int count in s_counts)
        {
            float[] top = RandomPixels(random, count), bottom = RandomPixels(random, count);
            (float wTop, float wBottom, float offset) = RandomRowWeights(random);
            var expected = new float[count];
            var actual = new float[count];
            fixed (float* t = top, b = bottom, e = expected, a = actual)
            {
                PreprocessKernels.VerticalRow(t, b, e, count, wTop, wBottom, offset, PreprocessKernel.Scalar);
                PreprocessKernels.VerticalRow(t, b, a, count, wTop, wBottom, offset, level);
            }

            check.Compare($"{count} wide", expected, actual);
        }

        return check.Result();
    }

    private static unsafe KernelCheckResult VerticalHalf(PreprocessKernel level, bool machine, int seed)
    {
        var check = new KernelComparison("preprocess.vertical-fp16", PathName("vertical", level), machine, HalfTolerance);
        var random = new Random(seed + 2);
        foreach (int count in s_counts)
        {
            float[] top = RandomPixels(random, count), bottom = RandomPixels(random, count);
            (float wTop, float wBottom, float offset) = RandomRowWeights(random);
            var expected = new Half[count];
            var actual = new Half[count];
            fixed (float* t = top, b = bottom)
            fixed (Half* e = expected, a = actual)
            {
                PreprocessKernels.VerticalRowHalf(t, b, e, count, wTop, wBottom, offset, PreprocessKernel.Scalar);
                PreprocessKernels.VerticalRowHalf(t, b, a, count, wTop, wBottom, offset, level);
            }

            check.Compare($"{count} wide", expected, actual);
        }

        return check.Result();
    }

    private static unsafe KernelCheckResult Deinterleave(PreprocessKernel level, bool machine, int seed)
    {
        var check = new KernelComparison("preprocess.deinterleave", PathName("deinterleave", level), machine, NormalizedTolerance);
        var random = new Random(seed + 3);
        float[] scale = new float[3], offset = new float[3];
        for (int c = 0; c < 3; c++)
        {
            (scale[c], offset[c]) = Normalization.ImageNet.Affine(c);
        }

        foreach (int count in s_counts)
        {
            // Exactly the row's bytes: the vector loops must stop inside it.
            byte[] row = new byte[count * 3];
            random.NextBytes(row);
            foreach (bool bgr in new[] { false, true })
            {
                int s0 = bgr ? 2 : 0;
                var expected = new float[3 * count];
                var actual = new float[3 * count];
                fixed (byte* source = row)
                fixed (float* e = expected, a = actual)
                {
                    PreprocessKernels.DeinterleaveNormalizeRow(source, count, s0, 2 - s0, e, e + count, e + (2 * count), scale, offset, PreprocessKernel.Scalar);
                    PreprocessKernels.DeinterleaveNormalizeRow(source, count, s0, 2 - s0, a, a + count, a + (2 * count), scale, offset, level);
                }

                check.Compare($"{count} wide {(bgr ? "bgr" : "rgb")}", expected, actual);
            }
        }

        return check.Result();
    }

    private static unsafe KernelCheckResult Interleave(PreprocessKernel level, bool machine, int seed)
    {
        var check = new KernelComparison("preprocess.interleave", PathName("interleave", level), machine, 0);
        var random = new Random(seed + 4);
        foreach (int count in s_counts)
        {
            float[] planes = RandomPixels(random, 3 * count);
            var expected = new float[3 * count];
            var actual = new float[3 * count];
            fixed (float* p = planes, e = expected, a = actual)
            {
                PreprocessKernels.InterleaveRow(p, p + count, p + (2 * count), e, count, PreprocessKernel.Scalar);
                PreprocessKernels.InterleaveRow(p, p + count, p + (2 * count), a, count, level);
            }

            check.Compare($"{count} wide", expected, actual);
        }

        return check.Result();
    }

    /// <summary>Whole frames (all passes, last-row handling, letterbox bands) at the level against the Scalar level.</summary>
    private static KernelCheckResult[] WholeFrame(PreprocessKernel level, bool machine, int seed)
    {
        var check = new KernelComparison("preprocess.frame", level.ToString(), machine, NormalizedTolerance);
        var checkHalf = new KernelComparison("preprocess.frame-fp16", level.ToString(), machine, HalfTolerance);
        var random = new Random(seed + 5);
        (int Sw, int Sh, int Dw, int Dh, TensorLayout Layout, InputPreprocessing Options)[] cases =
        [
            (320, 240, 224, 224, TensorLayout.Nchw, InputPreprocessing.Default),
            (61, 37, 67, 45, TensorLayout.Nhwc, new InputPreprocessing(ChannelOrder.Bgr, ResizeMode.Letterbox)),
            (45, 29, 45, 29, TensorLayout.Nhwc, InputPreprocessing.Default),
        ];
        foreach ((int sw, int sh, int dw, int dh, TensorLayout layout, InputPreprocessing options) in cases)
        {
            // Packed frames: the buffer ends with the last pixel, so a vector level must read that row from its copy.
            byte[] pixels = new byte[sw * sh * 3];
            random.NextBytes(pixels);
            FrameBuffer frame = FrameBuffer.Packed(sw, sh, PixelFormat.Bgr24, pixels);
            var scalar = new Preprocessor(sw, sh, dw, dh, Normalization.ImageNet, layout, options) { Kernel = PreprocessKernel.Scalar };
            var vector = new Preprocessor(sw, sh, dw, dh, Normalization.ImageNet, layout, options) { Kernel = level };
            var expected = new float[scalar.ElementsPerItem];
            var actual = new float[vector.ElementsPerItem];
            scalar.Run(frame, expected);
            vector.Run(frame, actual);
            check.Compare($"{sw}x{sh}->{dw}x{dh} {layout} {options}", expected, actual);

            var expectedHalf = new Half[scalar.ElementsPerItem];
            var actualHalf = new Half[vector.ElementsPerItem];
            scalar.Run(frame, expectedHalf);
            vector.Run(frame, actualHalf);
            checkHalf.Compare($"{sw}x{sh}->{dw}x{dh} {layout} {options}", expectedHalf, actualHalf);
        }

        return [check.Result(), checkHalf.Result()];
    }

    /// <summary>
    /// fp32 -> fp16 bits at each vector width against the <c>(Half)</c> cast, bit-exact but for NaN payloads: every fp16 value, the ties
    /// halfway between neighbours and one fp32 ulp either side, and random bit patterns (NaN, Inf, subnormals).
    /// </summary>
    private static IEnumerable<KernelCheckResult> HalfConversions(int seed)
    {
        var inputs = new List<float>();
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            float value = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float next = (float)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            float tie = (value + next) / 2;
            inputs.AddRange([value, -value, tie, -tie, MathF.BitDecrement(tie), MathF.BitIncrement(tie)]);
        }

        var random = new Random(seed + 6);
        for (int i = 0; i < 4096; i++)
        {
            inputs.Add(BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)));
        }

        // A whole number of 512-bit vectors.
        while (inputs.Count % 16 != 0)
        {
            inputs.Add(float.NaN);
        }

        float[] values = [.. inputs];
        var expected = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            expected[i] = CanonicalNaN(BitConverter.HalfToUInt16Bits((Half)values[i]));
        }

        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        foreach (int width in new[] { 128, 256, 512 })
        {
            if (width > widest)
            {
                break;
            }

            var actual = new ushort[values.Length];
            var lanes = new uint[width / 32];
            for (int i = 0; i < values.Length; i += lanes.Length)
            {
                switch (width)
                {
                    case 128:
                        HalfConversion.ToHalfBits(Vector128.Create(values, i)).CopyTo(lanes);
                        break;
                    case 256:
                        HalfConversion.ToHalfBits(Vector256.Create(values, i)).CopyTo(lanes);
                        break;
                    default:
                        HalfConversion.ToHalfBits(Vector512.Create(values, i)).CopyTo(lanes);
                        break;
                }

                for (int lane = 0; lane < lanes.Length; lane++)
                {
                    actual[i + lane] = CanonicalNaN((ushort)lanes[lane]);
                }
            }

            var check = new KernelComparison("preprocess.fp32-to-fp16", $"Vector{width}", width == widest, 0);
            check.Compare<ushort>($"{values.Length} values", expected, actual);
            yield return check.Result();
        }
    }

    /// <summary>Any fp16 NaN as one value: the cast keeps a NaN's payload, the vector code gives a quiet NaN; both are NaN.</summary>
    private static ushort CanonicalNaN(ushort bits) => Half.IsNaN(BitConverter.UInt16BitsToHalf(bits)) ? (ushort)0x7E00 : bits;

    private static float[] RandomPixels(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextSingle() * 255f;
        }

        return values;
    }

    /// <summary>Row weights folded with an ImageNet-like scale, as <see cref="Preprocessor"/> passes them.</summary>
    private static (float Top, float Bottom, float Offset) RandomRowWeights(Random random)
    {
        float wy = random.NextSingle();
        float scale = 1f / (255f * (0.2f + (0.1f * random.NextSingle())));
        return ((1f - wy) * scale, wy * scale, -2f * random.NextSingle());
    }
}
