using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeBench.Preprocessing;

/// <summary>
/// The row kernels of <see cref="Preprocessor"/>. Each one follows the same shape: a vectorized bulk step (widest
/// width first) and a scalar remainder that computes exactly the scalar definition. Callers guarantee pointer ranges.
/// </summary>
internal static unsafe class PreprocessKernels
{
    // Byte-shuffle masks that pull one channel out of 16 interleaved RGB pixels (48 bytes in three Vector128<byte>).
    // s_deinterleave[3 * channel + part] picks, from part `part` (bytes 16*part .. 16*part+15), the bytes
    // 3*k + channel for k = 0..15 into lane k; other lanes get index 0x80, which pshufb (high bit set),
    // AdvSimd TBL (index >= 16) and Vector128.Shuffle (out of range) all turn into zero, so the three shuffles OR together.
    private static readonly Vector128<byte>[] s_deinterleave = BuildDeinterleaveMasks();

    // Byte lookups of the Vector128 horizontal pass, per channel byte k (0..2) at [5k .. 5k + 4]: first one index into
    // the 64 bytes of a block's four 8-byte tap loads (arm64's 4-register TBL), then the same index split into four
    // 16-byte shuffles (index or 0x80) for targets without a multi-register lookup. See HorizontalBlocksVector128.
    private static readonly Vector128<byte>[] s_pairLookup = BuildPairLookupMasks();

    // vpermb indices turning 16 interleaved pixels (bytes 0..47) into planes: lane 16*c + k = byte 3*k + source(c),
    // for output channel c in RGB order; BGR frames read source byte 2 - c. Lanes 48..63 are unused.
    private static readonly Vector512<byte> s_planarRgb = BuildPlanarIndex(bgr: false);
    private static readonly Vector512<byte> s_planarBgr = BuildPlanarIndex(bgr: true);

    // InterleaveRow's permute indices (one per output vector j) and blend masks (per j and channel c, at 3j + c).
    private static readonly Vector256<int>[] s_interleaveIndex256 = BuildInterleave256().Index;
    private static readonly Vector256<float>[] s_interleaveMask256 = BuildInterleave256().Mask;
    private static readonly Vector512<int>[] s_interleaveIndex512 = BuildInterleave512().Index;
    private static readonly Vector512<float>[] s_interleaveMask512 = BuildInterleave512().Mask;

    /// <summary>
    /// Horizontal pass for one source row: for each output column x and channel c,
    /// <c>plane_c[x] = a + w[x] * (b - a)</c> with a, b the channel bytes at the tap offsets of column x.
    /// </summary>
    /// <param name="row">First byte of the source row.</param>
    /// <param name="taps">Tap offsets, weights and permute tables per output column.</param>
    /// <param name="count">Output columns.</param>
    /// <param name="s0">Byte within a pixel of output channel 0 (R): 0 for RGB, 2 for BGR; G is always byte 1.</param>
    /// <param name="s2">Byte within a pixel of output channel 2 (B).</param>
    /// <param name="p0">Output plane of channel 0.</param>
    /// <param name="p1">Output plane of channel 1.</param>
    /// <param name="p2">Output plane of channel 2.</param>
    /// <param name="kernel">Requested code path.</param>
    public static void HorizontalRow(byte* row, in HorizontalTaps taps, int count, int s0, int s2, float* p0, float* p1, float* p2, PreprocessKernel kernel)
    {
        int* o0 = taps.Offset0;
        int* o1 = taps.Offset1;
        float* w = taps.Weight;
        int x = 0;

        // Whole blocks of 8 output columns (HorizontalBlockTables.BlockWidth == Vector256<float>.Count) go to a vector loop.
        int blocks = count / HorizontalBlockTables.BlockWidth;
        if (kernel >= PreprocessKernel.Avx512Vbmi && Avx512Vbmi.IsSupported && Avx2.IsSupported)
        {
            x = HorizontalBlocksVbmi(row, taps, blocks, s0, s2, p0, p1, p2);
        }
        else if (kernel >= PreprocessKernel.Avx2 && Avx2.IsSupported)
        {
            GatherBlocks(row, taps, 0, blocks, s0, s2, p0, p1, p2);
            x = blocks * HorizontalBlockTables.BlockWidth;
        }
        else if (kernel >= PreprocessKernel.Vector128 && Vector128.IsHardwareAccelerated && blocks > 0 && o1[0] == o0[0] + 3)
        {
            x = HorizontalBlocksVector128(row, o0, w, blocks, s0, s2, p0, p1, p2);
        }

        // Scalar remainder: the last count % 8 columns, every column at the Scalar level, and 1-pixel-wide sources on the
        // Vector128 level (all taps on one pixel: nothing to gain, and an 8-byte load would run past a 3-byte row).
        for (; x < count; x++)
        {
            byte* a = row + o0[x];
            byte* b = row + o1[x];
            float wx = w[x];
            p0[x] = a[s0] + (wx * (b[s0] - a[s0]));
            p1[x] = a[1] + (wx * (b[1] - a[1]));
            p2[x] = a[s2] + (wx * (b[s2] - a[s2]));
        }
    }

    /// <summary>
    /// The VBMI loop: one permute per block whose taps fit a 128-byte window. Blocks that do not (strong downscales)
    /// go to the out-of-line gather loop, which keeps this loop's registers free of the gather constants.
    /// </summary>
    private static int HorizontalBlocksVbmi(byte* row, in HorizontalTaps taps, int blocks, int s0, int s2, float* p0, float* p1, float* p2)
    {
        int* blockBase = taps.BlockBase;
        byte* blockIndex = taps.BlockIndex;
        float* weightPairs = taps.BlockWeightPairs;
        for (int block = 0; block < blocks; block++)
        {
            int x = block * HorizontalBlockTables.BlockWidth;
            int start = blockBase[block];
            if (start < 0)
            {
                GatherBlocks(row, taps, block, block + 1, s0, s2, p0, p1, p2);
                continue;
            }

            PermuteBlock(row + start, Vector512.Load(blockIndex + (block * 64)), Vector512.Load(weightPairs + (block * 16)), p0 + x, p1 + x, p2 + x);
        }

        return blocks * HorizontalBlockTables.BlockWidth;
    }

    /// <summary>
    /// The Vector128 horizontal pass (arm64's, and x86 without AVX2) for whole blocks of 8 output columns; returns the
    /// columns done. There is no gather, but with 2+ source pixels a column's right tap is its left tap + 3 bytes, so one
    /// unaligned 8-byte load per column holds [L.c0 L.c1 L.c2 R.c0 R.c1 R.c2 x x]: two columns per Vector128, four
    /// vectors per block. Per channel one 64-byte table lookup (TBL with four registers on arm64) picks
    /// [L of columns 0..7 | R of columns 0..7], which widens to fp32 and lerps like the AVX2 pair gather.
    /// </summary>
    /// <remarks>The load of the last column reads 2 bytes past its right tap: <see cref="Preprocessor"/> gives the
    /// buffer's last row a padded copy for every vector level.</remarks>
    private static int HorizontalBlocksVector128(byte* row, int* o0, float* w, int blocks, int s0, int s2, float* p0, float* p1, float* p2)
    {
        // arm64's three TBL indices stay in registers; the x86 form reads its twelve shuffle masks from the array.
        Vector128<byte>[] lookup = s_pairLookup;
        Vector128<byte> table0 = lookup[5 * s0], table1 = lookup[5], table2 = lookup[5 * s2];
        int end = blocks * HorizontalBlockTables.BlockWidth;
        for (int x = 0; x < end; x += HorizontalBlockTables.BlockWidth)
        {
            int* at = o0 + x;
            Vector128<byte> t0 = Vector128.Create(Unsafe.ReadUnaligned<ulong>(row + at[0]), Unsafe.ReadUnaligned<ulong>(row + at[1])).AsByte();
            Vector128<byte> t1 = Vector128.Create(Unsafe.ReadUnaligned<ulong>(row + at[2]), Unsafe.ReadUnaligned<ulong>(row + at[3])).AsByte();
            Vector128<byte> t2 = Vector128.Create(Unsafe.ReadUnaligned<ulong>(row + at[4]), Unsafe.ReadUnaligned<ulong>(row + at[5])).AsByte();
            Vector128<byte> t3 = Vector128.Create(Unsafe.ReadUnaligned<ulong>(row + at[6]), Unsafe.ReadUnaligned<ulong>(row + at[7])).AsByte();
            Vector128<float> w0 = Vector128.Load(w + x);
            Vector128<float> w1 = Vector128.Load(w + x + 4);
            LerpPairs128(Lookup64(t0, t1, t2, t3, table0, lookup, s0), w0, w1, p0 + x);
            LerpPairs128(Lookup64(t0, t1, t2, t3, table1, lookup, 1), w0, w1, p1 + x);
            LerpPairs128(Lookup64(t0, t1, t2, t3, table2, lookup, s2), w0, w1, p2 + x);
        }

        return end;
    }

    /// <summary>
    /// One byte per lane from the 64 bytes t0..t3 at the indices of channel byte <paramref name="channel"/>:
    /// <paramref name="table"/> (its 64-byte index) on arm64, its four 16-byte parts in <paramref name="lookup"/> elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Lookup64(Vector128<byte> t0, Vector128<byte> t1, Vector128<byte> t2, Vector128<byte> t3, Vector128<byte> table, Vector128<byte>[] lookup, int channel)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.VectorTableLookup((t0, t1, t2, t3), table);
        }

        int at = 5 * channel;

        return ShuffleOrZero(t0, lookup[at + 1]) | ShuffleOrZero(t1, lookup[at + 2]) | ShuffleOrZero(t2, lookup[at + 3]) | ShuffleOrZero(t3, lookup[at + 4]);
    }

    /// <summary>
    /// Bytes [L0..L7 | R0..R7] to 8 fp32 outputs <c>L + w * (R - L)</c>, the same multiply-add as the AVX2 pair gather.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LerpPairs128(Vector128<byte> picked, Vector128<float> w0, Vector128<float> w1, float* destination)
    {
        (Vector128<ushort> left, Vector128<ushort> right) = Vector128.Widen(picked);
        (Vector128<uint> l0, Vector128<uint> l1) = Vector128.Widen(left);
        (Vector128<uint> r0, Vector128<uint> r1) = Vector128.Widen(right);
        Vector128<float> a0 = Vector128.ConvertToSingle(l0.AsInt32());
        Vector128<float> a1 = Vector128.ConvertToSingle(l1.AsInt32());
        Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(r0.AsInt32()) - a0, w0, a0).Store(destination);
        Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(r1.AsInt32()) - a1, w1, a1).Store(destination + 4);
    }

    /// <summary>AVX2 gathers for blocks <paramref name="first"/> to <paramref name="end"/> (exclusive) of 8 output columns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GatherBlocks(byte* row, in HorizontalTaps taps, int first, int end, int s0, int s2, float* p0, float* p1, float* p2)
    {
        int* o0 = taps.Offset0;
        int* o1 = taps.Offset1;
        float* w = taps.Weight;

        // With 2+ source pixels the right tap is always the left tap + 3 bytes, so one 8-byte load per column holds
        // both taps: a qword gather of 4 columns replaces two dword gathers of 8 half-used lanes.
        if (o1[0] == o0[0] + 3)
        {
            Vector256<byte> mask0 = PairMask(s0);
            Vector256<byte> mask1 = PairMask(1);
            Vector256<byte> mask2 = PairMask(s2);
            for (int x = first * 8; x < end * 8; x += 8)
            {
                GatherPairsBlock(row, taps.PairGatherIndex + x, Vector256.Load(w + x), mask0, mask1, mask2, p0 + x, p1 + x, p2 + x);
            }

            return;
        }

        // 1-pixel rows: each gather lane loads the 4 bytes at a tap's offset, i.e. [c0 c1 c2 next] little-endian in
        // one int32 lane, so channel k is (lane >> 8k) & 0xFF.
        Vector256<int> byteMask = Vector256.Create(0xFF);
        for (int x = first * 8; x < end * 8; x += 8)
        {
            Vector256<float> weight = Vector256.Load(w + x);
            Vector256<int> left = Avx2.GatherVector256((int*)row, Vector256.Load(o0 + x), 1);
            Vector256<int> right = Avx2.GatherVector256((int*)row, Vector256.Load(o1 + x), 1);
            Lerp(left, right, weight, s0 * 8, byteMask).Store(p0 + x);
            Lerp(left, right, weight, 8, byteMask).Store(p1 + x);
            Lerp(left, right, weight, s2 * 8, byteMask).Store(p2 + x);
        }
    }

    /// <summary>
    /// One block of 8 output columns from two qword gathers. Each qword is [L.c0 L.c1 L.c2 R.c0 R.c1 R.c2 x x] of one
    /// column; gather A holds columns 0,1 | 4,5 and gather B columns 2,3 | 6,7 (128-bit halves). Per channel, pshufb
    /// zero-extends within each half to dwords [L(a) L(b) R(a) R(b)], and the 64-bit unpacks of A and B then give
    /// left = [L0 L1 L2 L3 | L4 L5 L6 L7] and right likewise, already in column order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherPairsBlock(byte* row, int* index, Vector256<float> weight, Vector256<byte> mask0, Vector256<byte> mask1, Vector256<byte> mask2, float* p0, float* p1, float* p2)
    {
        Vector256<byte> a = Avx2.GatherVector256((long*)row, Vector128.Load(index), 1).AsByte();
        Vector256<byte> b = Avx2.GatherVector256((long*)row, Vector128.Load(index + 4), 1).AsByte();
        LerpPairs(a, b, mask0, weight).Store(p0);
        LerpPairs(a, b, mask1, weight).Store(p1);
        LerpPairs(a, b, mask2, weight).Store(p2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LerpPairs(Vector256<byte> a, Vector256<byte> b, Vector256<byte> mask, Vector256<float> weight)
    {
        Vector256<long> sa = Avx2.Shuffle(a, mask).AsInt64();
        Vector256<long> sb = Avx2.Shuffle(b, mask).AsInt64();
        Vector256<float> left = Vector256.ConvertToSingle(Avx2.UnpackLow(sa, sb).AsInt32());
        Vector256<float> right = Vector256.ConvertToSingle(Avx2.UnpackHigh(sa, sb).AsInt32());
        return Vector256.MultiplyAddEstimate(right - left, weight, left);
    }

    /// <summary>pshufb mask for <see cref="GatherPairsBlock"/>: per 128-bit half, dwords [L(a) L(b) R(a) R(b)] of byte <paramref name="channel"/>.</summary>
    private static Vector256<byte> PairMask(int channel)
    {
        const byte Zero = 0x80;
        byte l0 = (byte)channel, l1 = (byte)(8 + channel), r0 = (byte)(3 + channel), r1 = (byte)(11 + channel);
        Vector128<byte> half = Vector128.Create(l0, Zero, Zero, Zero, l1, Zero, Zero, Zero, r0, Zero, Zero, Zero, r1, Zero, Zero, Zero);
        return Vector256.Create(half, half);
    }

    /// <summary>
    /// One block of 8 output columns from a 128-byte source window with a single vpermi2b; see
    /// <see cref="HorizontalBlockTables"/> for the lane layout.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PermuteBlock(byte* window, Vector512<byte> index, Vector512<float> weightPair, float* p0, float* p1, float* p2)
    {
        Vector512<byte> picked = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(window), index, Vector512.Load(window + 64));

        // Red and green together: [L.red | L.green] and [R.red | R.green] as 16 fp32 lanes, weights duplicated.
        Vector512<float> left = Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(picked.GetLower().GetLower()));
        Vector512<float> right = Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(picked.GetLower().GetUpper()));
        Vector512<float> redGreen = Vector512.MultiplyAddEstimate(right - left, weightPair, left);
        redGreen.GetLower().Store(p0);
        redGreen.GetUpper().Store(p1);

        // Blue: L in the low 8 bytes of the third 16-byte group, R in its high 8 bytes.
        Vector128<byte> blue = picked.GetUpper().GetLower();
        Vector256<float> blueLeft = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(blue));
        Vector256<float> blueRight = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(blue, 8)));
        Vector256.MultiplyAddEstimate(blueRight - blueLeft, weightPair.GetLower(), blueLeft).Store(p2);
    }

    /// <summary>
    /// Vertical pass fused with normalization: <c>destination[x] = top[x] * wTop + bottom[x] * wBottom + offset</c>,
    /// where the caller folded the row weights and the channel scale into <paramref name="wTop"/>/<paramref name="wBottom"/>.
    /// </summary>
    public static void VerticalRow(float* top, float* bottom, float* destination, int count, float wTop, float wBottom, float offset, PreprocessKernel kernel)
    {
        int x = 0;
        if (kernel != PreprocessKernel.Scalar)
        {
            // Widest first; each narrower step mops up what the wider one left, so at most 3 scalar elements remain.
            // The Vector128 level stays on 128-bit vectors, so x86 tests pinned to it run arm64's loop.
            if (kernel > PreprocessKernel.Vector128 && Vector512.IsHardwareAccelerated)
            {
                Vector512<float> a = Vector512.Create(wTop);
                Vector512<float> b = Vector512.Create(wBottom);
                Vector512<float> o = Vector512.Create(offset);
                for (; x <= count - Vector512<float>.Count; x += Vector512<float>.Count)
                {
                    Vector512.MultiplyAddEstimate(Vector512.Load(top + x), a, Vector512.MultiplyAddEstimate(Vector512.Load(bottom + x), b, o)).Store(destination + x);
                }
            }

            if (kernel > PreprocessKernel.Vector128 && Vector256.IsHardwareAccelerated)
            {
                Vector256<float> a = Vector256.Create(wTop);
                Vector256<float> b = Vector256.Create(wBottom);
                Vector256<float> o = Vector256.Create(offset);
                for (; x <= count - Vector256<float>.Count; x += Vector256<float>.Count)
                {
                    Vector256.MultiplyAddEstimate(Vector256.Load(top + x), a, Vector256.MultiplyAddEstimate(Vector256.Load(bottom + x), b, o)).Store(destination + x);
                }
            }

            if (Vector128.IsHardwareAccelerated)
            {
                Vector128<float> a = Vector128.Create(wTop);
                Vector128<float> b = Vector128.Create(wBottom);
                Vector128<float> o = Vector128.Create(offset);
                for (; x <= count - Vector128<float>.Count; x += Vector128<float>.Count)
                {
                    Vector128.MultiplyAddEstimate(Vector128.Load(top + x), a, Vector128.MultiplyAddEstimate(Vector128.Load(bottom + x), b, o)).Store(destination + x);
                }
            }
        }

        for (; x < count; x++)
        {
            destination[x] = (top[x] * wTop) + (bottom[x] * wBottom) + offset;
        }
    }

    /// <summary>
    /// <see cref="VerticalRow"/> with fp16 output: each fp32 result is rounded to nearest even in registers, so no
    /// fp32 staging row is written and read back.
    /// </summary>
    public static void VerticalRowHalf(float* top, float* bottom, Half* destination, int count, float wTop, float wBottom, float offset, PreprocessKernel kernel)
    {
        int x = 0;
        ushort* output = (ushort*)destination;
        if (kernel != PreprocessKernel.Scalar)
        {
            // 32 elements per step: two 16-lane fp32 results -> fp16 bits in 32-bit lanes -> one 32-lane narrow.
            if (kernel > PreprocessKernel.Vector128 && Vector512.IsHardwareAccelerated)
            {
                Vector512<float> a = Vector512.Create(wTop);
                Vector512<float> b = Vector512.Create(wBottom);
                Vector512<float> o = Vector512.Create(offset);
                for (; x <= count - (2 * Vector512<float>.Count); x += 2 * Vector512<float>.Count)
                {
                    Vector512<float> lo = Vector512.MultiplyAddEstimate(Vector512.Load(top + x), a, Vector512.MultiplyAddEstimate(Vector512.Load(bottom + x), b, o));
                    Vector512<float> hi = Vector512.MultiplyAddEstimate(Vector512.Load(top + x + 16), a, Vector512.MultiplyAddEstimate(Vector512.Load(bottom + x + 16), b, o));
                    Vector512.Narrow(HalfConversion.ToHalfBits(lo), HalfConversion.ToHalfBits(hi)).Store(output + x);
                }
            }

            // 16 elements per step, the same with 8-lane halves.
            if (kernel > PreprocessKernel.Vector128 && Vector256.IsHardwareAccelerated)
            {
                Vector256<float> a = Vector256.Create(wTop);
                Vector256<float> b = Vector256.Create(wBottom);
                Vector256<float> o = Vector256.Create(offset);
                for (; x <= count - (2 * Vector256<float>.Count); x += 2 * Vector256<float>.Count)
                {
                    Vector256<float> lo = Vector256.MultiplyAddEstimate(Vector256.Load(top + x), a, Vector256.MultiplyAddEstimate(Vector256.Load(bottom + x), b, o));
                    Vector256<float> hi = Vector256.MultiplyAddEstimate(Vector256.Load(top + x + 8), a, Vector256.MultiplyAddEstimate(Vector256.Load(bottom + x + 8), b, o));
                    Vector256.Narrow(HalfConversion.ToHalfBits(lo), HalfConversion.ToHalfBits(hi)).Store(output + x);
                }
            }

            // 8 elements per step (arm64's width, and the tail of the 256-bit loop).
            if (Vector128.IsHardwareAccelerated)
            {
                Vector128<float> a = Vector128.Create(wTop);
                Vector128<float> b = Vector128.Create(wBottom);
                Vector128<float> o = Vector128.Create(offset);
                for (; x <= count - (2 * Vector128<float>.Count); x += 2 * Vector128<float>.Count)
                {
                    Vector128<float> lo = Vector128.MultiplyAddEstimate(Vector128.Load(top + x), a, Vector128.MultiplyAddEstimate(Vector128.Load(bottom + x), b, o));
                    Vector128<float> hi = Vector128.MultiplyAddEstimate(Vector128.Load(top + x + 4), a, Vector128.MultiplyAddEstimate(Vector128.Load(bottom + x + 4), b, o));
                    Vector128.Narrow(HalfConversion.ToHalfBits(lo), HalfConversion.ToHalfBits(hi)).Store(output + x);
                }
            }
        }

        for (; x < count; x++)
        {
            destination[x] = (Half)((top[x] * wTop) + (bottom[x] * wBottom) + offset);
        }
    }

    /// <summary>
    /// The no-resize path: splits one interleaved row into three planes, <c>plane_c[x] = byte * scale[c] + offset[c]</c>.
    /// </summary>
    public static void DeinterleaveNormalizeRow(byte* row, int count, int s0, int s2, float* p0, float* p1, float* p2, ReadOnlySpan<float> scale, ReadOnlySpan<float> offset, PreprocessKernel kernel)
    {
        int x = 0;
        if (kernel >= PreprocessKernel.Avx512Vbmi && Avx512Vbmi.IsSupported)
        {
            // 16 pixels per step with one vpermb over a 64-byte load (48 bytes used): lanes 0..15 = channel 0 of
            // pixels 0..15, 16..31 = channel 1, 32..47 = channel 2, zero-extended 16 at a time to fp32. The load runs
            // 16 bytes past the 16 pixels, so the loop stops while 64 bytes remain in the row; narrower steps finish.
            Vector512<byte> index = s0 == 0 ? s_planarRgb : s_planarBgr;
            Vector512<float> scale0 = Vector512.Create(scale[0]), offset0 = Vector512.Create(offset[0]);
            Vector512<float> scale1 = Vector512.Create(scale[1]), offset1 = Vector512.Create(offset[1]);
            Vector512<float> scale2 = Vector512.Create(scale[2]), offset2 = Vector512.Create(offset[2]);
            for (; (x * 3) + Vector512<byte>.Count <= count * 3; x += 16)
            {
                Vector512<byte> planar = Avx512Vbmi.PermuteVar64x8(Vector512.Load(row + (x * 3)), index);
                Vector512.MultiplyAddEstimate(Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(planar.GetLower().GetLower())), scale0, offset0).Store(p0 + x);
                Vector512.MultiplyAddEstimate(Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(planar.GetLower().GetUpper())), scale1, offset1).Store(p1 + x);
                Vector512.MultiplyAddEstimate(Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(planar.GetUpper().GetLower())), scale2, offset2).Store(p2 + x);
            }
        }

        if (kernel != PreprocessKernel.Scalar && Vector128.IsHardwareAccelerated)
        {
            // 16 pixels (48 bytes, exactly inside the row) per step: three loads, then per channel three shuffles,
            // OR, and widening u8 -> u16 -> u32 -> f32 into four Vector128<float> of 4 lanes each.
            Vector128<byte>[] masks = s_deinterleave;
            for (; x <= count - 16; x += 16)
            {
                byte* pixel = row + (x * 3);
                Vector128<byte> v0 = Vector128.Load(pixel);
                Vector128<byte> v1 = Vector128.Load(pixel + 16);
                Vector128<byte> v2 = Vector128.Load(pixel + 32);
                NormalizeStore(Pick(v0, v1, v2, masks, s0), Vector128.Create(scale[0]), Vector128.Create(offset[0]), p0 + x);
                NormalizeStore(Pick(v0, v1, v2, masks, 1), Vector128.Create(scale[1]), Vector128.Create(offset[1]), p1 + x);
                NormalizeStore(Pick(v0, v1, v2, masks, s2), Vector128.Create(scale[2]), Vector128.Create(offset[2]), p2 + x);
            }
        }

        for (; x < count; x++)
        {
            byte* pixel = row + (x * 3);
            p0[x] = (pixel[s0] * scale[0]) + offset[0];
            p1[x] = (pixel[1] * scale[1]) + offset[1];
            p2[x] = (pixel[s2] * scale[2]) + offset[2];
        }
    }

    /// <summary>
    /// NHWC: interleaves three channel rows into one, <c>destination[3x + c] = plane_c[x]</c>. Each output vector of
    /// the 3-vector group for 8 (AVX2) or 16 (AVX-512) pixels takes lane l from pixel (l + lanes * j) / 3 of the channel
    /// (l + lanes * j) % 3: one permute per channel with a shared index, then two blends.
    /// </summary>
    public static void InterleaveRow(float* p0, float* p1, float* p2, float* destination, int count, PreprocessKernel kernel)
    {
        int x = 0;
        if (kernel != PreprocessKernel.Scalar && Avx512F.IsSupported)
        {
            // Constants in registers for the loop: three indices and the red and green masks of each output vector.
            Vector512<int> at0 = s_interleaveIndex512[0], at1 = s_interleaveIndex512[1], at2 = s_interleaveIndex512[2];
            Vector512<float> r0 = s_interleaveMask512[0], g0 = s_interleaveMask512[1];
            Vector512<float> r1 = s_interleaveMask512[3], g1 = s_interleaveMask512[4];
            Vector512<float> r2 = s_interleaveMask512[6], g2 = s_interleaveMask512[7];
            for (; x <= count - 16; x += 16)
            {
                Vector512<float> r = Vector512.Load(p0 + x);
                Vector512<float> g = Vector512.Load(p1 + x);
                Vector512<float> b = Vector512.Load(p2 + x);
                float* output = destination + (x * 3);
                Interleave(r, g, b, at0, r0, g0).Store(output);
                Interleave(r, g, b, at1, r1, g1).Store(output + 16);
                Interleave(r, g, b, at2, r2, g2).Store(output + 32);
            }
        }

        if (kernel != PreprocessKernel.Scalar && Avx2.IsSupported)
        {
            Vector256<int> at0 = s_interleaveIndex256[0], at1 = s_interleaveIndex256[1], at2 = s_interleaveIndex256[2];
            Vector256<float> r0 = s_interleaveMask256[0], g0 = s_interleaveMask256[1];
            Vector256<float> r1 = s_interleaveMask256[3], g1 = s_interleaveMask256[4];
            Vector256<float> r2 = s_interleaveMask256[6], g2 = s_interleaveMask256[7];
            for (; x <= count - 8; x += 8)
            {
                Vector256<float> r = Vector256.Load(p0 + x);
                Vector256<float> g = Vector256.Load(p1 + x);
                Vector256<float> b = Vector256.Load(p2 + x);
                float* output = destination + (x * 3);
                Interleave(r, g, b, at0, r0, g0).Store(output);
                Interleave(r, g, b, at1, r1, g1).Store(output + 8);
                Interleave(r, g, b, at2, r2, g2).Store(output + 16);
            }
        }

        if (kernel != PreprocessKernel.Scalar && Vector128.IsHardwareAccelerated)
        {
            x = InterleaveVector128(p0, p1, p2, destination, x, count);
        }

        // Remainder (at most 3 pixels after a vector loop), and the whole row at the Scalar level.
        for (; x < count; x++)
        {
            float* output = destination + (x * 3);
            output[0] = p0[x];
            output[1] = p1[x];
            output[2] = p2[x];
        }
    }

    /// <summary>
    /// InterleaveRow's 4-pixel loop from pixel <paramref name="x"/>; returns where it stopped. arm64 stores the three
    /// channel vectors interleaved with one ST3; elsewhere the AVX2 scheme in 128 bits: output vector j takes lane l from
    /// pixel (4j + l) / 3 of channel (4j + l) % 3, one constant shuffle per channel, then two selects.
    /// </summary>
    private static int InterleaveVector128(float* p0, float* p1, float* p2, float* destination, int x, int count)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            for (; x <= count - 4; x += 4)
            {
                AdvSimd.Arm64.StoreVectorAndZip(destination + (x * 3), (Vector128.Load(p0 + x), Vector128.Load(p1 + x), Vector128.Load(p2 + x)));
            }

            return x;
        }

        Vector128<float> red0 = Lanes(-1, 0, 0, -1), green0 = Lanes(0, -1, 0, 0);
        Vector128<float> red1 = Lanes(0, 0, -1, 0), green1 = Lanes(-1, 0, 0, -1);
        Vector128<float> red2 = Lanes(0, -1, 0, 0), green2 = Lanes(0, 0, -1, 0);
        for (; x <= count - 4; x += 4)
        {
            Vector128<float> r = Vector128.Load(p0 + x);
            Vector128<float> g = Vector128.Load(p1 + x);
            Vector128<float> b = Vector128.Load(p2 + x);
            float* output = destination + (x * 3);
            Vector128.ConditionalSelect(red0, Vector128.Shuffle(r, Vector128.Create(0, 0, 0, 1)),
                Vector128.ConditionalSelect(green0, Vector128.Shuffle(g, Vector128.Create(0, 0, 0, 1)), Vector128.Shuffle(b, Vector128.Create(0, 0, 0, 1)))).Store(output);
            Vector128.ConditionalSelect(red1, Vector128.Shuffle(r, Vector128.Create(1, 1, 2, 2)),
                Vector128.ConditionalSelect(green1, Vector128.Shuffle(g, Vector128.Create(1, 1, 2, 2)), Vector128.Shuffle(b, Vector128.Create(1, 1, 2, 2)))).Store(output + 4);
            Vector128.ConditionalSelect(red2, Vector128.Shuffle(r, Vector128.Create(2, 3, 3, 3)),
                Vector128.ConditionalSelect(green2, Vector128.Shuffle(g, Vector128.Create(2, 3, 3, 3)), Vector128.Shuffle(b, Vector128.Create(2, 3, 3, 3)))).Store(output + 8);
        }

        return x;
    }

    /// <summary>A select mask: lanes given as -1 are all ones.</summary>
    private static Vector128<float> Lanes(int l0, int l1, int l2, int l3) => Vector128.Create(l0, l1, l2, l3).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Interleave(Vector512<float> r, Vector512<float> g, Vector512<float> b, Vector512<int> at, Vector512<float> redLanes, Vector512<float> greenLanes) =>
        Vector512.ConditionalSelect(redLanes, Avx512F.PermuteVar16x32(r, at), Vector512.ConditionalSelect(greenLanes, Avx512F.PermuteVar16x32(g, at), Avx512F.PermuteVar16x32(b, at)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Interleave(Vector256<float> r, Vector256<float> g, Vector256<float> b, Vector256<int> at, Vector256<float> redLanes, Vector256<float> greenLanes) =>
        Vector256.ConditionalSelect(redLanes, Avx2.PermuteVar8x32(r, at), Vector256.ConditionalSelect(greenLanes, Avx2.PermuteVar8x32(g, at), Avx2.PermuteVar8x32(b, at)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lerp(Vector256<int> left, Vector256<int> right, Vector256<float> weight, int shift, Vector256<int> byteMask)
    {
        Vector256<float> a = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(left, shift) & byteMask);
        Vector256<float> b = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(right, shift) & byteMask);
        return Vector256.MultiplyAddEstimate(b - a, weight, a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pick(Vector128<byte> v0, Vector128<byte> v1, Vector128<byte> v2, Vector128<byte>[] masks, int channel) =>
        ShuffleOrZero(v0, masks[3 * channel]) | ShuffleOrZero(v1, masks[(3 * channel) + 1]) | ShuffleOrZero(v2, masks[(3 * channel) + 2]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ShuffleOrZero(Vector128<byte> value, Vector128<byte> mask)
    {
        // Vector128.Shuffle with a non-constant mask is not guaranteed to lower to one instruction, so use the
        // native byte shuffles directly where they exist; all three zero a lane whose index is 0x80.
        if (Ssse3.IsSupported)
        {
            return Ssse3.Shuffle(value, mask);
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.VectorTableLookup(value, mask);
        }

        return Vector128.Shuffle(value, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NormalizeStore(Vector128<byte> channel, Vector128<float> scale, Vector128<float> offset, float* destination)
    {
        (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(channel);
        (Vector128<uint> q0, Vector128<uint> q1) = Vector128.Widen(lo);
        (Vector128<uint> q2, Vector128<uint> q3) = Vector128.Widen(hi);

        // Values are 0..255, so the signed int -> float conversion (one instruction everywhere) is exact.
        Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(q0.AsInt32()), scale, offset).Store(destination);
        Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(q1.AsInt32()), scale, offset).Store(destination + 4);
        Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(q2.AsInt32()), scale, offset).Store(destination + 8);
        Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(q3.AsInt32()), scale, offset).Store(destination + 12);
    }

    private static (Vector256<int>[] Index, Vector256<float>[] Mask) BuildInterleave256()
    {
        var index = new Vector256<int>[3];
        var mask = new Vector256<float>[9];
        Span<int> lanes = stackalloc int[8];
        Span<float> select = stackalloc float[8];
        for (int j = 0; j < 3; j++)
        {
            for (int l = 0; l < 8; l++)
            {
                lanes[l] = ((8 * j) + l) / 3;
            }

            index[j] = Vector256.Create<int>(lanes);
            for (int c = 0; c < 3; c++)
            {
                for (int l = 0; l < 8; l++)
                {
                    select[l] = ((8 * j) + l) % 3 == c ? BitConverter.Int32BitsToSingle(-1) : 0f;
                }

                mask[(3 * j) + c] = Vector256.Create<float>(select);
            }
        }

        return (index, mask);
    }

    private static (Vector512<int>[] Index, Vector512<float>[] Mask) BuildInterleave512()
    {
        var index = new Vector512<int>[3];
        var mask = new Vector512<float>[9];
        Span<int> lanes = stackalloc int[16];
        Span<float> select = stackalloc float[16];
        for (int j = 0; j < 3; j++)
        {
            for (int l = 0; l < 16; l++)
            {
                lanes[l] = ((16 * j) + l) / 3;
            }

            index[j] = Vector512.Create<int>(lanes);
            for (int c = 0; c < 3; c++)
            {
                for (int l = 0; l < 16; l++)
                {
                    select[l] = ((16 * j) + l) % 3 == c ? BitConverter.Int32BitsToSingle(-1) : 0f;
                }

                mask[(3 * j) + c] = Vector512.Create<float>(select);
            }
        }

        return (index, mask);
    }

    private static Vector512<byte> BuildPlanarIndex(bool bgr)
    {
        Span<byte> lanes = stackalloc byte[64];
        lanes.Clear();
        for (int c = 0; c < 3; c++)
        {
            for (int k = 0; k < 16; k++)
            {
                lanes[(16 * c) + k] = (byte)((3 * k) + (bgr ? 2 - c : c));
            }
        }

        return Vector512.Create<byte>(lanes);
    }

    private static Vector128<byte>[] BuildPairLookupMasks()
    {
        // Column j's 8 bytes sit at 8j of the 64-byte table; its left tap's channel byte k at 8j + k, the right's at 8j + 3 + k.
        var masks = new Vector128<byte>[15];
        Span<byte> table = stackalloc byte[16];
        Span<byte> part = stackalloc byte[16];
        for (int channel = 0; channel < 3; channel++)
        {
            for (int j = 0; j < HorizontalBlockTables.BlockWidth; j++)
            {
                table[j] = (byte)((8 * j) + channel);
                table[8 + j] = (byte)((8 * j) + 3 + channel);
            }

            masks[5 * channel] = Vector128.Create<byte>(table);
            for (int p = 0; p < 4; p++)
            {
                for (int lane = 0; lane < 16; lane++)
                {
                    int index = table[lane] - (16 * p);
                    part[lane] = index is >= 0 and < 16 ? (byte)index : (byte)0x80;
                }

                masks[(5 * channel) + 1 + p] = Vector128.Create<byte>(part);
            }
        }

        return masks;
    }

    private static Vector128<byte>[] BuildDeinterleaveMasks()
    {
        var masks = new Vector128<byte>[9];
        Span<byte> lanes = stackalloc byte[16];
        for (int channel = 0; channel < 3; channel++)
        {
            for (int part = 0; part < 3; part++)
            {
                for (int k = 0; k < 16; k++)
                {
                    int index = (3 * k) + channel - (16 * part);
                    lanes[k] = index is >= 0 and < 16 ? (byte)index : (byte)0x80;
                }

                masks[(3 * channel) + part] = Vector128.Create<byte>(lanes);
            }
        }

        return masks;
    }
}
