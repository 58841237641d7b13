namespace EdgeBench.Preprocessing;

/// <summary>
/// Per-block tables of the x86 horizontal passes. Output columns are taken in blocks of 8; a block whose taps all lie in
/// a 128-byte window of the source row is resized with one two-register byte permute (vpermi2b) instead of gathers.
/// </summary>
/// <remarks>
/// Permute result layout, 64 byte lanes, one block (pixels j = 0..7, L = left tap, R = right tap):
/// <code>
/// lanes  0..7  L.red[j]   8..15 L.green[j]   | zero-extended together to 16 int32: [L.red | L.green]
/// lanes 16..23 R.red[j]  24..31 R.green[j]   | [R.red | R.green], so one 16-lane lerp does red and green
/// lanes 32..39 L.blue[j] 40..47 R.blue[j]    | blue: two 8-lane halves
/// lanes 48..63 unused (index 0)
/// </code>
/// "red" is the byte of output channel 0, so the BGR table reads byte 2 where the RGB table reads byte 0.
/// </remarks>
internal sealed class HorizontalBlockTables
{
    /// <summary>Output columns per block.</summary>
    public const int BlockWidth = 8;

    /// <summary>Bytes of the source window one block may read (two Vector512 loads).</summary>
    public const int WindowBytes = 128;

    public HorizontalBlockTables(int sourceWidth, int[] offset0, int[] offset1, float[] weight)
    {
        int blocks = offset0.Length / BlockWidth;
        int rowBytes = sourceWidth * 3;
        Base = new int[blocks];
        IndexRgb = new byte[blocks * 64];
        IndexBgr = new byte[blocks * 64];
        PairGatherIndex = new int[blocks * BlockWidth];
        WeightPairs = new float[blocks * 2 * BlockWidth];
        for (int block = 0; block < blocks; block++)
        {
            int first = block * BlockWidth;
            int last = first + BlockWidth - 1;
            weight.AsSpan(first, BlockWidth).CopyTo(WeightPairs.AsSpan(block * 2 * BlockWidth));
            weight.AsSpan(first, BlockWidth).CopyTo(WeightPairs.AsSpan((block * 2 * BlockWidth) + BlockWidth));

            // Qword-gather order: columns 0,1,4,5 then 2,3,6,7 (see PreprocessKernels.GatherPairsBlock).
            ReadOnlySpan<int> order = [0, 1, 4, 5, 2, 3, 6, 7];
            for (int j = 0; j < BlockWidth; j++)
            {
                PairGatherIndex[(block * BlockWidth) + j] = offset0[first + order[j]];
            }

            // Start the window at the block's first tap, but never let it run past the row's last pixel byte: the
            // window must stay inside the frame buffer on its last row, and inside this row's pixels everywhere.
            int start = Math.Min(offset0[first], rowBytes - WindowBytes);
            if (rowBytes < WindowBytes || offset1[last] + 2 - start >= WindowBytes)
            {
                // Too narrow a source or too strong a downscale for one window: the kernel gathers this block.
                Base[block] = -1;
                continue;
            }

            Base[block] = start;
            for (int j = 0; j < BlockWidth; j++)
            {
                int left = offset0[first + j] - start;
                int right = offset1[first + j] - start;
                Fill(IndexRgb.AsSpan(block * 64), j, left, right, red: 0, blue: 2);
                Fill(IndexBgr.AsSpan(block * 64), j, left, right, red: 2, blue: 0);
            }
        }
    }

    /// <summary>Window start (byte offset in the row) per block, or -1 where the block must be gathered.</summary>
    public int[] Base { get; }

    /// <summary>
    /// Left-tap byte offsets per block in the order the AVX2 qword gathers want them: columns 0, 1, 4, 5, then 2, 3, 6, 7.
    /// </summary>
    public int[] PairGatherIndex { get; }

    /// <summary>The block's 8 right-tap weights twice (16 floats), matching the [red | green] lanes of the permute.</summary>
    public float[] WeightPairs { get; }

    /// <summary>64 permute indices per block for RGB frames.</summary>
    public byte[] IndexRgb { get; }

    /// <summary>64 permute indices per block for BGR frames.</summary>
    public byte[] IndexBgr { get; }

    private static void Fill(Span<byte> lanes, int j, int left, int right, int red, int blue)
    {
        lanes[j] = (byte)(left + red);
        lanes[8 + j] = (byte)(left + 1);
        lanes[16 + j] = (byte)(right + red);
        lanes[24 + j] = (byte)(right + 1);
        lanes[32 + j] = (byte)(left + blue);
        lanes[40 + j] = (byte)(right + blue);
    }
}

/// <summary>Pinned views of a <see cref="Preprocessor"/>'s horizontal tables, handed to the row kernel.</summary>
internal readonly unsafe struct HorizontalTaps(int* offset0, int* offset1, float* weight, int* blockBase, byte* blockIndex, int* pairGatherIndex, float* blockWeightPairs)
{
    /// <summary><see cref="HorizontalBlockTables.WeightPairs"/>.</summary>
    public readonly float* BlockWeightPairs = blockWeightPairs;

    /// <summary><see cref="HorizontalBlockTables.PairGatherIndex"/>.</summary>
    public readonly int* PairGatherIndex = pairGatherIndex;

    /// <summary>Byte offset of the left tap per output column.</summary>
    public readonly int* Offset0 = offset0;

    /// <summary>Byte offset of the right tap per output column.</summary>
    public readonly int* Offset1 = offset1;

    /// <summary>Weight of the right tap per output column.</summary>
    public readonly float* Weight = weight;

    /// <summary><see cref="HorizontalBlockTables.Base"/>.</summary>
    public readonly int* BlockBase = blockBase;

    /// <summary><see cref="HorizontalBlockTables.IndexRgb"/> or <see cref="HorizontalBlockTables.IndexBgr"/>, matching the frame.</summary>
    public readonly byte* BlockIndex = blockIndex;
}
