using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EdgeBench.Preprocessing;

/// <summary>
/// fp32 to fp16 bits with round-to-nearest-even, vectorized so the fp16 output can be produced in the same pass as
/// the normalization instead of a second pass over a staging row. Bit-exact with the <c>(Half)</c> cast for every
/// input (tested on every fp16 value, every tie and its neighbours, and random bit patterns).
/// </summary>
/// <remarks>
/// The algorithm is Fabian Giesen's public-domain <c>float_to_half_fast3_rtne</c>, written branch-free:
/// <list type="bullet">
/// <item>|f| at or above 2^16 (as bits): Inf, or a quiet NaN for NaN inputs.</item>
/// <item>|f| below 2^-14 (fp16 subnormal or zero): adding the magic 0.5 shifts the 10 mantissa bits to the bottom
/// of the fp32 mantissa and the FPU's own round-to-nearest-even does the rounding; subtracting the magic's bits leaves
/// the fp16 bits.</item>
/// <item>Otherwise rebias the exponent (127 -> 15) and add 0xFFF plus the lowest kept mantissa bit, which is
/// round-to-nearest-even on the 13 dropped bits; a carry out of the mantissa correctly bumps the exponent (up to Inf).</item>
/// </list>
/// The sign is cleared first and ORed back at the end, so all comparisons are on non-negative int32 lanes.
/// </remarks>
internal static class HalfConversion
{
    private const uint SignMask = 0x8000_0000u;
    private const int F32Infinity = 255 << 23;
    private const int F16Max = (127 + 16) << 23;
    private const uint DenormMagic = ((127 - 15) + (23 - 10) + 1) << 23;
    private const int F16MinNormal = 113 << 23;
    private const uint Rebias = unchecked((uint)((15 - 127) << 23)) + 0xFFF;

    /// <summary>Converts 16 floats to fp16 bits in the low 16 bits of each lane (same algorithm, 512-bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> ToHalfBits(Vector512<float> value)
    {
        Vector512<uint> bits = value.AsUInt32();
        Vector512<uint> sign = bits & Vector512.Create(SignMask);
        bits ^= sign;

        Vector512<uint> subnormal = (bits.AsSingle() + Vector512.Create(DenormMagic).AsSingle()).AsUInt32() - Vector512.Create(DenormMagic);
        Vector512<uint> normal = (bits + Vector512.Create(Rebias) + ((bits >>> 13) & Vector512<uint>.One)) >>> 13;
        Vector512<uint> special = Vector512.ConditionalSelect(
            Vector512.GreaterThan(bits.AsInt32(), Vector512.Create(F32Infinity)).AsUInt32(), Vector512.Create(0x7E00u), Vector512.Create(0x7C00u));

        Vector512<uint> finite = Vector512.ConditionalSelect(Vector512.LessThan(bits.AsInt32(), Vector512.Create(F16MinNormal)).AsUInt32(), subnormal, normal);
        Vector512<uint> result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(bits.AsInt32(), Vector512.Create(F16Max)).AsUInt32(), special, finite);
        return result | (sign >>> 16);
    }

    /// <summary>Converts 8 floats to fp16 bits in the low 16 bits of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> ToHalfBits(Vector256<float> value)
    {
        Vector256<uint> bits = value.AsUInt32();
        Vector256<uint> sign = bits & Vector256.Create(SignMask);
        bits ^= sign;

        Vector256<uint> subnormal = (bits.AsSingle() + Vector256.Create(DenormMagic).AsSingle()).AsUInt32() - Vector256.Create(DenormMagic);
        Vector256<uint> normal = (bits + Vector256.Create(Rebias) + ((bits >>> 13) & Vector256<uint>.One)) >>> 13;
        Vector256<uint> special = Vector256.ConditionalSelect(
            Vector256.GreaterThan(bits.AsInt32(), Vector256.Create(F32Infinity)).AsUInt32(), Vector256.Create(0x7E00u), Vector256.Create(0x7C00u));

        Vector256<uint> finite = Vector256.ConditionalSelect(Vector256.LessThan(bits.AsInt32(), Vector256.Create(F16MinNormal)).AsUInt32(), subnormal, normal);
        Vector256<uint> result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(bits.AsInt32(), Vector256.Create(F16Max)).AsUInt32(), special, finite);
        return result | (sign >>> 16);
    }

    /// <summary>Converts 4 floats to fp16 bits in the low 16 bits of each lane (same algorithm, 128-bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> ToHalfBits(Vector128<float> value)
    {
        Vector128<uint> bits = value.AsUInt32();
        Vector128<uint> sign = bits & Vector128.Create(SignMask);
        bits ^= sign;

        Vector128<uint> subnormal = (bits.AsSingle() + Vector128.Create(DenormMagic).AsSingle()).AsUInt32() - Vector128.Create(DenormMagic);
        Vector128<uint> normal = (bits + Vector128.Create(Rebias) + ((bits >>> 13) & Vector128<uint>.One)) >>> 13;
        Vector128<uint> special = Vector128.ConditionalSelect(
            Vector128.GreaterThan(bits.AsInt32(), Vector128.Create(F32Infinity)).AsUInt32(), Vector128.Create(0x7E00u), Vector128.Create(0x7C00u));

        Vector128<uint> finite = Vector128.ConditionalSelect(Vector128.LessThan(bits.AsInt32(), Vector128.Create(F16MinNormal)).AsUInt32(), subnormal, normal);
        Vector128<uint> result = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(bits.AsInt32(), Vector128.Create(F16Max)).AsUInt32(), special, finite);
        return result | (sign >>> 16);
    }
}
