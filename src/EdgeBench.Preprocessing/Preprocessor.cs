using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;

namespace EdgeBench.Preprocessing;

/// <summary>
/// A reusable preprocessing plan for one (source size, model input size, normalization): bilinear resize with
/// OpenCV INTER_LINEAR / PyTorch <c>align_corners=False</c> sampling, per-channel normalization
/// <c>y = (x / 255 - mean) / std</c>, HWC to CHW, into item <c>i</c> of a caller-provided NCHW batch (fp32 or fp16).
/// </summary>
/// <remarks>
/// <para>
/// All tables and scratch rows are built by the constructor, so <see cref="Run(in FrameBuffer, Span{float}, int)"/>
/// does not allocate. An instance keeps per-call scratch state and is therefore not thread-safe: use one per thread.
/// </para>
/// <para>
/// The resize is separable. Each source row that the output needs is resized horizontally once into fp32 planes
/// (deinterleaving RGB on the way) and kept in a two-row cache; each output row is then a two-row lerp fused with the
/// normalization, written straight into its CHW plane. When the frame already has the model's size the resize is
/// skipped and the pass is a deinterleave + normalize.
/// </para>
/// </remarks>
public sealed class Preprocessor
{
    /// <summary>Channels of the output tensor (RGB).</summary>
    public const int Channels = 3;

    // Horizontal tables, one entry per output column: byte offsets (x * 3) of the left and right taps within a source
    // row, and the weight of the right tap. For sources at least 2 wide the right tap is always x0 + 1: a column
    // clamped to the last source pixel is stored as (x0 = W - 2, weight = 1), which selects the same pixel exactly and
    // keeps every tap pair in range without a branch in the kernel.
    private readonly int[] _xOffset0;
    private readonly int[] _xOffset1;
    private readonly float[] _xWeight;

    // Vertical tables, one entry per output row: the upper source row and the weight of the lower one (row0 + 1, or
    // row0 when the source is 1 high), with the same clamping convention.
    private readonly int[] _yRow0;
    private readonly float[] _yWeight;

    // Per-block tables of the x86 horizontal passes (VBMI permute indices, qword-gather order), 8 output columns each.
    private readonly HorizontalBlockTables _blocks;

    private readonly float[] _scale = new float[Channels];
    private readonly float[] _offset = new float[Channels];

    // Two horizontally resized source rows (slot-major, then channel planes of InputWidth floats) and which
    // source row each slot holds; reset per call because the frame changes.
    private readonly float[] _rowCache;
    private int _slotRow0;
    private int _slotRow1;

    // fp32 staging rows (one per channel) for fp16 output of the no-resize path, converted with
    // TensorPrimitives.ConvertToHalf; the resize path rounds to fp16 in registers instead (VerticalRowHalf).
    private readonly float[] _staging;

    // A copy of the last source row with slack bytes: the AVX2 gather reads 4 bytes per 3-byte pixel, i.e. one byte
    // past the last pixel, which is only unsafe on the last row of a buffer that ends exactly there.
    private readonly byte[] _lastRowCopy;

    private readonly bool _identity;
    private PreprocessKernel _kernel;

    /// <summary>Creates a plan for frames of <paramref name="sourceWidth"/> x <paramref name="sourceHeight"/>.</summary>
    /// <param name="sourceWidth">Width of the frames that will be passed in, in pixels.</param>
    /// <param name="sourceHeight">Height of the frames, in pixels.</param>
    /// <param name="inputWidth">Model input width W of the NCHW tensor.</param>
    /// <param name="inputHeight">Model input height H of the NCHW tensor.</param>
    /// <param name="normalization">Per-channel mean/std in RGB order.</param>
    public Preprocessor(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight, Normalization normalization)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputHeight);
        ArgumentNullException.ThrowIfNull(normalization);
        if (normalization.Mean.Length < Channels || normalization.Std.Length < Channels)
        {
            throw new ArgumentException($"Normalization needs {Channels} means and stds, got {normalization}.", nameof(normalization));
        }

        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        InputWidth = inputWidth;
        InputHeight = inputHeight;
        Normalization = normalization;
        ElementsPerItem = checked(Channels * inputWidth * inputHeight);

        for (int c = 0; c < Channels; c++)
        {
            (_scale[c], _offset[c]) = normalization.Affine(c);
        }

        _xOffset0 = new int[inputWidth];
        _xOffset1 = new int[inputWidth];
        _xWeight = new float[inputWidth];
        BuildAxis(sourceWidth, inputWidth, _xOffset0, _xWeight);
        for (int x = 0; x < inputWidth; x++)
        {
            _xOffset1[x] = sourceWidth > 1 ? (_xOffset0[x] + 1) * 3 : 0;
            _xOffset0[x] *= 3;
        }

        _blocks = new HorizontalBlockTables(sourceWidth, _xOffset0, _xOffset1, _xWeight);

        _yRow0 = new int[inputHeight];
        _yWeight = new float[inputHeight];
        BuildAxis(sourceHeight, inputHeight, _yRow0, _yWeight);

        _rowCache = new float[2 * Channels * inputWidth];
        _staging = new float[Channels * inputWidth];
        _lastRowCopy = new byte[(sourceWidth * 3) + 8];
        _identity = sourceWidth == inputWidth && sourceHeight == inputHeight;
        _kernel = BestKernel;
    }

    /// <summary>Creates a plan for a model's input size and normalization.</summary>
    public Preprocessor(ModelDescriptor model, int sourceWidth, int sourceHeight)
        : this(sourceWidth, sourceHeight, CheckModel(model).InputWidth, model.InputHeight, model.Normalization)
    {
    }

    /// <summary>Width of the frames this plan accepts.</summary>
    public int SourceWidth { get; }

    /// <summary>Height of the frames this plan accepts.</summary>
    public int SourceHeight { get; }

    /// <summary>Model input width (last tensor dimension).</summary>
    public int InputWidth { get; }

    /// <summary>Model input height.</summary>
    public int InputHeight { get; }

    /// <summary>The normalization applied after the resize.</summary>
    public Normalization Normalization { get; }

    /// <summary>Elements of one batch item: <c>3 * InputHeight * InputWidth</c>.</summary>
    public int ElementsPerItem { get; }

    /// <summary>Whether the frame already has the input size, so the resize is skipped.</summary>
    public bool IsIdentityResize => _identity;

    /// <summary>
    /// Which code path runs; tests and benchmarks pin it to compare paths on one machine. A request for a path the
    /// hardware lacks falls back to the best one available.
    /// </summary>
    internal PreprocessKernel Kernel
    {
        get => _kernel;
        set => _kernel = value > BestKernel ? BestKernel : value;
    }

    /// <summary>The widest path this machine (and this process's DOTNET_EnableHWIntrinsic settings) supports.</summary>
    internal static PreprocessKernel BestKernel =>
        Avx512Vbmi.IsSupported && Avx2.IsSupported ? PreprocessKernel.Avx512Vbmi :
        Avx2.IsSupported ? PreprocessKernel.Avx2 :
        Vector128.IsHardwareAccelerated ? PreprocessKernel.Vector :
        PreprocessKernel.Scalar;

    /// <summary>
    /// Preprocesses <paramref name="frame"/> into item <paramref name="batchIndex"/> of an fp32 NCHW batch: elements
    /// <c>[batchIndex * ElementsPerItem, (batchIndex + 1) * ElementsPerItem)</c> are written, nothing else.
    /// </summary>
    /// <param name="frame">An RGB24 or BGR24 frame of <see cref="SourceWidth"/> x <see cref="SourceHeight"/>, any stride.</param>
    /// <param name="batch">The whole batch tensor, NCHW, at least <c>(batchIndex + 1) * ElementsPerItem</c> long.</param>
    /// <param name="batchIndex">Which item of the batch to fill.</param>
    public unsafe void Run(in FrameBuffer frame, Span<float> batch, int batchIndex = 0)
    {
        Span<float> item = batch.Slice(CheckAndGetStart(frame, batch.Length, batchIndex), ElementsPerItem);
        fixed (float* destination = item)
        {
            Execute(frame, destination, null);
        }
    }

    /// <summary>
    /// Same as <see cref="Run(in FrameBuffer, Span{float}, int)"/> with fp16 output: computed in fp32 and rounded to
    /// nearest even, bit-exact with the <c>(Half)</c> cast of the fp32 result.
    /// </summary>
    public unsafe void Run(in FrameBuffer frame, Span<Half> batch, int batchIndex = 0)
    {
        Span<Half> item = batch.Slice(CheckAndGetStart(frame, batch.Length, batchIndex), ElementsPerItem);
        fixed (Half* destination = item)
        {
            Execute(frame, null, destination);
        }
    }

    /// <summary>Fills items <c>0 .. frames.Length - 1</c> of an fp32 NCHW batch, frame <c>i</c> into item <c>i</c>.</summary>
    public void RunBatch(ReadOnlySpan<FrameBuffer> frames, Span<float> batch)
    {
        for (int i = 0; i < frames.Length; i++)
        {
            Run(frames[i], batch, i);
        }
    }

    /// <summary>Fills items <c>0 .. frames.Length - 1</c> of an fp16 NCHW batch, frame <c>i</c> into item <c>i</c>.</summary>
    public void RunBatch(ReadOnlySpan<FrameBuffer> frames, Span<Half> batch)
    {
        for (int i = 0; i < frames.Length; i++)
        {
            Run(frames[i], batch, i);
        }
    }

    private static ModelDescriptor CheckModel(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Layout != TensorLayout.Nchw || model.InputChannels != Channels)
        {
            throw new ArgumentException($"Model '{model.Id}' input {model.Input.ShapeText} ({model.Layout}) is not a 3-channel NCHW image.", nameof(model));
        }

        return model;
    }

    /// <summary>Fills one axis table (see the field comments for the clamping convention).</summary>
    private static void BuildAxis(int sourceSize, int destinationSize, int[] index0, float[] weight)
    {
        double scale = (double)sourceSize / destinationSize;
        for (int d = 0; d < destinationSize; d++)
        {
            PreprocessReference.SourceCoordinate(d, scale, sourceSize, out int i0, out _, out float w);
            if (sourceSize > 1 && i0 == sourceSize - 1)
            {
                // (last - 1, weight 1) is bit-exact with (last, weight 0): 0 * a + 1 * b and a + 1 * (b - a) both give b.
                i0 = sourceSize - 2;
                w = 1f;
            }

            index0[d] = i0;
            weight[d] = w;
        }
    }

    private int CheckAndGetStart(in FrameBuffer frame, int batchLength, int batchIndex)
    {
        frame.Validate();
        if (frame.Width != SourceWidth || frame.Height != SourceHeight)
        {
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}; this preprocessor was built for {SourceWidth}x{SourceHeight}.", nameof(frame));
        }

        if (frame.Format is not (PixelFormat.Rgb24 or PixelFormat.Bgr24))
        {
            throw new ArgumentException($"Unsupported pixel format {frame.Format}.", nameof(frame));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(batchIndex);
        long needed = ((long)batchIndex + 1) * ElementsPerItem;
        if (batchLength < needed)
        {
            throw new ArgumentException($"Batch holds {batchLength} elements; item {batchIndex} of {ElementsPerItem} needs {needed}.", nameof(batchIndex));
        }

        return batchIndex * ElementsPerItem;
    }

    private unsafe void Execute(in FrameBuffer frame, float* outF32, Half* outF16)
    {
        ReadOnlySpan<byte> pixels = frame.Pixels.Span;
        int stride = frame.Stride;
        int width = InputWidth;
        int plane = width * InputHeight;

        // Source byte of output channels R, G, B within a pixel.
        bool bgr = frame.Format == PixelFormat.Bgr24;
        int s0 = bgr ? 2 : 0;
        int s2 = bgr ? 0 : 2;

        PreprocessKernel kernel = _kernel;
        fixed (byte* src = pixels)
        fixed (float* cache = _rowCache)
        fixed (float* staging = _staging)
        fixed (int* xo0 = _xOffset0)
        fixed (int* xo1 = _xOffset1)
        fixed (float* xw = _xWeight)
        fixed (byte* lastRow = _lastRowCopy)
        fixed (int* blockBase = _blocks.Base)
        fixed (byte* blockIndex = bgr ? _blocks.IndexBgr : _blocks.IndexRgb)
        fixed (int* pairIndex = _blocks.PairGatherIndex)
        fixed (float* weightPairs = _blocks.WeightPairs)
        {
            var taps = new HorizontalTaps(xo0, xo1, xw, blockBase, blockIndex, pairIndex, weightPairs);
            if (_identity)
            {
                for (int y = 0; y < InputHeight; y++)
                {
                    float* r = outF32 != null ? outF32 + (y * width) : staging;
                    float* g = outF32 != null ? r + plane : staging + width;
                    float* b = outF32 != null ? g + plane : staging + (2 * width);
                    PreprocessKernels.DeinterleaveNormalizeRow(
                        src + ((long)y * stride), width, s0, s2, r, g, b, _scale, _offset, kernel);
                    if (outF16 != null)
                    {
                        StoreHalfRows(staging, outF16 + (y * width), width, plane);
                    }
                }

                return;
            }

            // The gather kernels read up to 5 bytes past the last pixel of a row (8 bytes from the left tap of a pair,
            // or 4 from a 1-pixel row); on the buffer's last row those bytes may not exist, so that row is read from a
            // padded copy instead.
            long lastRowStart = (long)(SourceHeight - 1) * stride;
            bool lastRowNeedsCopy = kernel >= PreprocessKernel.Avx2 && pixels.Length < lastRowStart + (SourceWidth * 3) + 5;

            _slotRow0 = -1;
            _slotRow1 = -1;
            for (int y = 0; y < InputHeight; y++)
            {
                int row0 = _yRow0[y];
                int row1 = SourceHeight > 1 ? row0 + 1 : row0;
                float wy = _yWeight[y];

                float* top = cache + (AcquireSlot(row0, row1, out bool fillTop) * Channels * width);
                float* bottom = cache + (AcquireSlot(row1, row0, out bool fillBottom) * Channels * width);
                if (fillTop)
                {
                    byte* sourceRow = SourceRow(src, stride, row0, lastRowNeedsCopy, lastRow);
                    PreprocessKernels.HorizontalRow(sourceRow, taps, width, s0, s2, top, top + width, top + (2 * width), kernel);
                }

                if (fillBottom)
                {
                    byte* sourceRow = SourceRow(src, stride, row1, lastRowNeedsCopy, lastRow);
                    PreprocessKernels.HorizontalRow(sourceRow, taps, width, s0, s2, bottom, bottom + width, bottom + (2 * width), kernel);
                }

                for (int c = 0; c < Channels; c++)
                {
                    // (top * (1 - wy) + bottom * wy) * scale + offset, folded into two multiply-adds per element.
                    float wTop = (1f - wy) * _scale[c];
                    float wBottom = wy * _scale[c];
                    int at = (c * plane) + (y * width);
                    if (outF32 != null)
                    {
                        PreprocessKernels.VerticalRow(top + (c * width), bottom + (c * width), outF32 + at, width, wTop, wBottom, _offset[c], kernel);
                    }
                    else
                    {
                        PreprocessKernels.VerticalRowHalf(top + (c * width), bottom + (c * width), outF16 + at, width, wTop, wBottom, _offset[c], kernel);
                    }
                }
            }
        }
    }

    private unsafe byte* SourceRow(byte* src, int stride, int sourceRow, bool lastRowNeedsCopy, byte* lastRowCopy)
    {
        byte* row = src + ((long)sourceRow * stride);
        if (lastRowNeedsCopy && sourceRow == SourceHeight - 1)
        {
            new ReadOnlySpan<byte>(row, SourceWidth * 3).CopyTo(new Span<byte>(lastRowCopy, SourceWidth * 3));
            return lastRowCopy;
        }

        return row;
    }

    /// <summary>
    /// Returns the cache slot (0 or 1) holding source row <paramref name="row"/>, evicting the slot that does not hold
    /// <paramref name="keep"/> when it is absent; <paramref name="fill"/> says the caller must resize the row into it.
    /// Output rows only move down, so keeping the other needed row is enough for an LRU of two.
    /// </summary>
    private int AcquireSlot(int row, int keep, out bool fill)
    {
        fill = false;
        if (_slotRow0 == row)
        {
            return 0;
        }

        if (_slotRow1 == row)
        {
            return 1;
        }

        fill = true;

        int slot = _slotRow0 == keep ? 1 : 0;
        if (slot == 0)
        {
            _slotRow0 = row;
        }
        else
        {
            _slotRow1 = row;
        }

        return slot;
    }

    private static unsafe void StoreHalfRows(float* staging, Half* destination, int width, int plane)
    {
        for (int c = 0; c < Channels; c++)
        {
            TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(staging + (c * width), width), new Span<Half>(destination + (c * plane), width));
        }
    }
}

/// <summary>Code paths of <see cref="Preprocessor"/>, narrowest first.</summary>
internal enum PreprocessKernel
{
    /// <summary>Table-driven scalar loops (what runs with DOTNET_EnableHWIntrinsic=0).</summary>
    Scalar,

    /// <summary>Portable Vector128/256/512 vertical pass and deinterleave; scalar horizontal pass (arm64).</summary>
    Vector,

    /// <summary>As <see cref="Vector"/>, with an AVX2 gather horizontal pass (x86-64).</summary>
    Avx2,

    /// <summary>As <see cref="Avx2"/>, with an AVX-512 VBMI byte-permute horizontal pass where a block's taps fit in 128 bytes.</summary>
    Avx512Vbmi,
}
