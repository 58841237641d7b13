using System.Runtime.Intrinsics;
using EdgeBench.Preprocessing;

namespace EdgeBench.Tests.Preprocessing;

/// <summary>The vectorized fp32 -> fp16 rounding must be bit-exact with the (Half) cast, ties included.</summary>
public class HalfConversionTests
{
    [Fact]
    public void Matches_the_Half_cast_on_every_fp16_value_every_tie_and_their_neighbours()
    {
        var inputs = new List<float>(65536 * 8);
        for (int h = 0; h < 0x7C00; h++)
        {
            float value = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float next = (float)BitConverter.UInt16BitsToHalf((ushort)(h + 1));
            float tie = (value + next) / 2; // exact in fp32: the two differ in at most 11 significant bits
            foreach (float f in new[] { value, tie, BitIncrement(tie), BitDecrement(tie), BitIncrement(value) })
            {
                inputs.Add(f);
                inputs.Add(-f);
            }
        }

        inputs.AddRange([65504f, 65519.99f, 65520f, 1e6f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -0f, 0f]);
        AssertBitExact(inputs);
    }

    [Fact]
    public void Matches_the_Half_cast_on_random_bit_patterns()
    {
        var random = new Random(42);
        var inputs = new float[1 << 20];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
        }

        AssertBitExact(inputs);
    }

    private static float BitIncrement(float f) => MathF.BitIncrement(f);

    private static float BitDecrement(float f) => MathF.BitDecrement(f);

    private static void AssertBitExact(IReadOnlyList<float> inputs)
    {
        // Padded to whole vectors with zeros so the special values at the end are not skipped.
        float[] all = [.. inputs, .. new float[(16 - (inputs.Count % 16)) % 16]];
        for (int i = 0; i + 16 <= all.Length; i += 16)
        {
            Vector512<float> v = Vector512.Create<float>(all.AsSpan(i, 16));
            Vector512<uint> widest = HalfConversion.ToHalfBits(v);
            Vector256<uint> wide = HalfConversion.ToHalfBits(v.GetLower());
            Vector128<uint> narrow = HalfConversion.ToHalfBits(v.GetLower().GetLower());
            for (int j = 0; j < 16; j++)
            {
                Half expected = (Half)all[i + j];
                ushort expectedBits = BitConverter.HalfToUInt16Bits(expected);
                if (Half.IsNaN(expected))
                {
                    Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf((ushort)widest[j])), $"{all[i + j]} should give NaN");
                    continue;
                }

                Assert.True(expectedBits == widest[j], $"{all[i + j]:R} (0x{BitConverter.SingleToUInt32Bits(all[i + j]):X8}): expected 0x{expectedBits:X4}, got 0x{widest[j]:X4}");
                if (j < 8)
                {
                    Assert.Equal(expectedBits, wide[j]);
                }

                if (j < 4)
                {
                    Assert.Equal(expectedBits, narrow[j]);
                }
            }
        }
    }
}
