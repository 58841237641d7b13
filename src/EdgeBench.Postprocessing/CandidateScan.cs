using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Vectorised "which lanes exceed a threshold" scans used to find candidates without touching the rest of a row.
/// Layout: widest supported vector first (256-bit: 8 floats, then 128-bit: 4 floats), then a scalar remainder.
/// </summary>
internal static class CandidateScan
{
    /// <summary>The widest path this machine runs: Vector256 on x86 with AVX2, Vector128 on arm64 (AdvSimd) and older x86.</summary>
    public static ScanPath BestPath =>
        Vector256.IsHardwareAccelerated ? ScanPath.Vector256 : Vector128.IsHardwareAccelerated ? ScanPath.Vector128 : ScanPath.Scalar;

    /// <summary>Writes every i with x[i] &gt; threshold[i] to <paramref name="indices"/> (ascending); returns the count.</summary>
    public static int GreaterThan(ReadOnlySpan<float> x, ReadOnlySpan<float> threshold, Span<int> indices) =>
        GreaterThan(x, threshold, indices, BestPath);

    /// <summary>Writes every i with x[i] &gt; <paramref name="threshold"/> to <paramref name="indices"/>; returns the count.</summary>
    public static int GreaterThan(ReadOnlySpan<float> x, float threshold, Span<int> indices) =>
        GreaterThan(x, threshold, indices, BestPath);

    /// <summary>
    /// <see cref="GreaterThan(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{int})"/> on at most the widths of
    /// <paramref name="path"/> (tests and the kernel self-check pin it; a path the machine lacks runs narrower).
    /// </summary>
    public static int GreaterThan(ReadOnlySpan<float> x, ReadOnlySpan<float> threshold, Span<int> indices, ScanPath path)
    {
        if (threshold.Length < x.Length || indices.Length < x.Length)
        {
            throw new ArgumentException("threshold and indices must be at least as long as x.");
        }

        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float tr = ref MemoryMarshal.GetReference(threshold);
        int count = 0;
        int i = 0;
        if (path >= ScanPath.Vector256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                // One compare per 8 lanes; almost all rows are below threshold, so the bit loop rarely runs.
                uint bits = Vector256.GreaterThan(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref tr, (nuint)i)).ExtractMostSignificantBits();
                count = AppendBits(bits, i, indices, count);
            }
        }

        if (path >= ScanPath.Vector128 && Vector128.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                uint bits = Vector128.GreaterThan(Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref tr, (nuint)i)).ExtractMostSignificantBits();
                count = AppendBits(bits, i, indices, count);
            }
        }

        // Scalar remainder (and the whole row when hardware intrinsics are disabled).
        for (; i < x.Length; i++)
        {
            if (Unsafe.Add(ref xr, i) > Unsafe.Add(ref tr, i))
            {
                indices[count++] = i;
            }
        }

        return count;
    }

    /// <summary>The scalar-threshold scan on at most the widths of <paramref name="path"/>.</summary>
    public static int GreaterThan(ReadOnlySpan<float> x, float threshold, Span<int> indices, ScanPath path)
    {
        if (indices.Length < x.Length)
        {
            throw new ArgumentException("indices must be at least as long as x.", nameof(indices));
        }

        ref float xr = ref MemoryMarshal.GetReference(x);
        int count = 0;
        int i = 0;
        if (path >= ScanPath.Vector256 && Vector256.IsHardwareAccelerated)
        {
            Vector256<float> t = Vector256.Create(threshold);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint bits = Vector256.GreaterThan(Vector256.LoadUnsafe(ref xr, (nuint)i), t).ExtractMostSignificantBits();
                count = AppendBits(bits, i, indices, count);
            }
        }

        if (path >= ScanPath.Vector128 && Vector128.IsHardwareAccelerated)
        {
            Vector128<float> t = Vector128.Create(threshold);
            for (; i <= x.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                uint bits = Vector128.GreaterThan(Vector128.LoadUnsafe(ref xr, (nuint)i), t).ExtractMostSignificantBits();
                count = AppendBits(bits, i, indices, count);
            }
        }

        for (; i < x.Length; i++)
        {
            if (Unsafe.Add(ref xr, i) > threshold)
            {
                indices[count++] = i;
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendBits(uint bits, int baseIndex, Span<int> indices, int count)
    {
        while (bits != 0)
        {
            indices[count++] = baseIndex + BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
        }

        return count;
    }
}

/// <summary>Vector widths of <see cref="CandidateScan"/>, narrowest first.</summary>
internal enum ScanPath
{
    /// <summary>The scalar loop (the definition the vector loops must match).</summary>
    Scalar,

    /// <summary>4-lane compares (arm64's path).</summary>
    Vector128,

    /// <summary>8-lane compares, then 4-lane for the tail (x86 with AVX2).</summary>
    Vector256,
}
