using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;

namespace EdgeBench.Preprocessing;

/// <summary>
/// A reusable preprocessing plan for one (source size, model input size, normalization, layout, channel order, resize
/// mode): bilinear resize with OpenCV INTER_LINEAR / PyTorch <c>align_corners=False</c> sampling (stretched, or
/// letterboxed into a padded input as Ultralytics does), per-channel normalization <c>y = (x / 255 - mean) / std</c>,
/// in RGB or BGR channel order, into item <c>i</c> of a caller-provided NCHW or NHWC batch (fp32 or fp16).
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
/// <para>
/// NHWC output runs the same planar passes into fp32 staging rows, then interleaves each row with vector permutes
/// (fp16 rounds the interleaved row in one conversion). Letterbox resizes into the content rectangle of
/// <see cref="Mapping"/> and fills the bands with the normalized pad value; NHWC staging rows keep their pad columns
/// from the constructor, so only the content is written per row.
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

    // fp32 staging rows, one per channel and InputWidth long (content at OffsetX, pad columns filled once here): the
    // NHWC passes write them and interleave from them, and fp16 output of the planar no-resize path is converted from
    // them with TensorPrimitives.ConvertToHalf (the planar resize path rounds to fp16 in registers, VerticalRowHalf).
    private readonly float[] _staging;

    // NHWC: one interleaved fp32 row (the fp16 output is converted from it), and the whole interleaved pad row in
    // both precisions for the letterbox's top and bottom bands.
    private readonly float[] _interleaved;
    private readonly float[] _padRow;
    private readonly Half[] _padRowHalf;

    // Normalized pad value per output channel (planar bands), and rounded to fp16.
    private readonly float[] _padValue = new float[Channels];
    private readonly Half[] _padValueHalf = new Half[Channels];

    // Frame channel order XOR model channel order: whether output channel 0 reads byte 2 of a pixel.
    private readonly bool _swapForRgbFrames;

    // A copy of the last source row with slack bytes: the AVX2 gathers and the Vector128 tap loads read a few bytes
    // past the last pixel, which is only unsafe on the last row of a buffer that ends exactly there.
    private readonly byte[] _lastRowCopy;

    private readonly bool _identity;
    private PreprocessKernel _kernel;

    /// <summary>Creates a plan for frames of <paramref name="sourceWidth"/> x <paramref name="sourceHeight"/>.</summary>
    /// <param name="sourceWidth">Width of the frames that will be passed in, in pixels.</param>
    /// <param name="sourceHeight">Height of the frames, in pixels.</param>
    /// <param name="inputWidth">Model input width W of the NCHW tensor.</param>
    /// <param name="inputHeight">Model input height H of the NCHW tensor.</param>
    /// <param name="normalization">Per-channel mean/std, in the output's channel order.</param>
    /// <param name="layout">NCHW (planes) or NHWC (interleaved) output.</param>
    /// <param name="preprocessing">Channel order, stretch or letterbox, pad value; RGB stretched when null.</param>
    public Preprocessor(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight, Normalization normalization,
        TensorLayout layout = TensorLayout.Nchw, InputPreprocessing? preprocessing = null)
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

        if (layout is not (TensorLayout.Nchw or TensorLayout.Nhwc))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Expected NCHW or NHWC.");
        }

        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        InputWidth = inputWidth;
        InputHeight = inputHeight;
        Normalization = normalization;
        Layout = layout;
        Preprocessing = preprocessing ?? InputPreprocessing.Default;
        Mapping = FrameMapping.For(Preprocessing.Resize, sourceWidth, sourceHeight, inputWidth, inputHeight);
        ElementsPerItem = checked(Channels * inputWidth * inputHeight);
        _swapForRgbFrames = Preprocessing.ChannelOrder == ChannelOrder.Bgr;

        // The resize tables cover the content rectangle only (the whole input when stretched).
        int contentWidth = Mapping.ContentWidth;
        int contentHeight = Mapping.ContentHeight;

        _interleaved = new float[layout == TensorLayout.Nhwc ? Channels * inputWidth : 0];
        _padRow = new float[layout == TensorLayout.Nhwc ? Channels * inputWidth : 0];
        _padRowHalf = new Half[_padRow.Length];
        _staging = new float[Channels * inputWidth];
        for (int c = 0; c < Channels; c++)
        {
            (_scale[c], _offset[c]) = normalization.Affine(c);

            // The reference's arithmetic for a constant pixel: its bilinear blend of four equal taps is the value itself.
            _padValue[c] = (Preprocessing.PadValue * _scale[c]) + _offset[c];
            _padValueHalf[c] = (Half)_padValue[c];
            _staging.AsSpan(c * inputWidth, inputWidth).Fill(_padValue[c]);
            for (int x = 0; x < _padRow.Length / Channels; x++)
            {
                _padRow[(x * Channels) + c] = _padValue[c];
                _padRowHalf[(x * Channels) + c] = (Half)_padValue[c];
            }
        }

        (_xOffset0, _xOffset1, _xWeight) = BuildHorizontalTaps(sourceWidth, contentWidth);
        _blocks = new HorizontalBlockTables(sourceWidth, _xOffset0, _xOffset1, _xWeight);

        _yRow0 = new int[contentHeight];
        _yWeight = new float[contentHeight];
        BuildAxis(sourceHeight, contentHeight, _yRow0, _yWeight);

        _rowCache = new float[2 * Channels * contentWidth];
        _lastRowCopy = new byte[(sourceWidth * 3) + 8];
        _identity = sourceWidth == contentWidth && sourceHeight == contentHeight;
        _kernel = BestKernel;
    }

    /// <summary>Creates a plan for a model's input size, layout, normalization, channel order and resize mode.</summary>
    public Preprocessor(ModelDescriptor model, int sourceWidth, int sourceHeight)
        : this(sourceWidth, sourceHeight, CheckModel(model).InputWidth, model.InputHeight, model.Normalization, model.Layout, model.Preprocessing)
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

    /// <summary>NCHW or NHWC output.</summary>
    public TensorLayout Layout { get; }

    /// <summary>Channel order, resize mode and pad value.</summary>
    public InputPreprocessing Preprocessing { get; }

    /// <summary>Where the frame lands in the input (content rectangle, padding); maps boxes back to frame pixels.</summary>
    public FrameMapping Mapping { get; }

    /// <summary>Elements of one batch item: <c>3 * InputHeight * InputWidth</c>.</summary>
    public int ElementsPerItem { get; }

    /// <summary>Whether the frame already has the content size (the input size when stretched), so the resize is skipped.</summary>
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
        Vector128.IsHardwareAccelerated ? PreprocessKernel.Vector128 :
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
        if (model.InputChannels != Channels)
        {
            throw new ArgumentException($"Model '{model.Id}' input {model.Input.ShapeText} ({model.Layout}) is not a 3-channel image.", nameof(model));
        }

        return model;
    }

    /// <summary>The horizontal tables (see the field comments): left and right tap byte offsets and right-tap weights.</summary>
    internal static (int[] Offset0, int[] Offset1, float[] Weight) BuildHorizontalTaps(int sourceWidth, int contentWidth)
    {
        var offset0 = new int[contentWidth];
        var offset1 = new int[contentWidth];
        var weight = new float[contentWidth];
        BuildAxis(sourceWidth, contentWidth, offset0, weight);
        for (int x = 0; x < contentWidth; x++)
        {
            offset1[x] = sourceWidth > 1 ? (offset0[x] + 1) * 3 : 0;
            offset0[x] *= 3;
        }

        return (offset0, offset1, weight);
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
        int contentWidth = Mapping.ContentWidth;
        int contentHeight = Mapping.ContentHeight;
        int offsetX = Mapping.OffsetX;
        int offsetY = Mapping.OffsetY;
        bool nhwc = Layout == TensorLayout.Nhwc;

        // Source byte of output channels 0 and 2 within a pixel: a BGR frame stores red in byte 2 and a BGR model wants
        // blue first, so the two swaps cancel out.
        bool swap = (frame.Format == PixelFormat.Bgr24) != _swapForRgbFrames;
        int s0 = swap ? 2 : 0;
        int s2 = swap ? 0 : 2;

        PreprocessKernel kernel = _kernel;
        FillPadBands(outF32, outF16);
        fixed (byte* src = pixels)
        fixed (float* cache = _rowCache)
        fixed (float* staging = _staging)
        fixed (float* interleaved = _interleaved)
        fixed (int* xo0 = _xOffset0)
        fixed (int* xo1 = _xOffset1)
        fixed (float* xw = _xWeight)
        fixed (byte* lastRow = _lastRowCopy)
        fixed (int* blockBase = _blocks.Base)
        fixed (byte* blockIndex = swap ? _blocks.IndexBgr : _blocks.IndexRgb)
        fixed (int* pairIndex = _blocks.PairGatherIndex)
        fixed (float* weightPairs = _blocks.WeightPairs)
        {
            var taps = new HorizontalTaps(xo0, xo1, xw, blockBase, blockIndex, pairIndex, weightPairs);
            if (_identity)
            {
                // fp32 NCHW is written in place; NHWC and fp16 go through the staging rows.
                bool direct = !nhwc && outF32 != null;
                for (int y = 0; y < contentHeight; y++)
                {
                    int outRow = offsetY + y;
                    float* r = direct ? outF32 + ((long)outRow * width) + offsetX : staging + offsetX;
                    float* g = direct ? r + plane : r + width;
                    float* b = direct ? g + plane : g + width;
                    PreprocessKernels.DeinterleaveNormalizeRow(
                        src + ((long)y * stride), contentWidth, s0, s2, r, g, b, _scale, _offset, kernel);
                    if (nhwc)
                    {
                        StoreInterleavedRow(staging, interleaved, outF32, outF16, outRow, kernel);
                    }
                    else if (outF16 != null)
                    {
                        StoreHalfRows(staging + offsetX, width, outF16 + ((long)outRow * width) + offsetX, contentWidth, plane);
                    }
                }

                return;
            }

            // The gather kernels read up to 5 bytes past the last pixel of a row (8 bytes from the left tap of a pair,
            // or 4 from a 1-pixel row), the Vector128 loads 2; on the buffer's last row those bytes may not exist, so
            // that row is read from a padded copy instead.
            long lastRowStart = (long)(SourceHeight - 1) * stride;
            bool lastRowNeedsCopy = kernel != PreprocessKernel.Scalar && pixels.Length < lastRowStart + (SourceWidth * 3) + 5;

            _slotRow0 = -1;
            _slotRow1 = -1;
            for (int y = 0; y < contentHeight; y++)
            {
                int row0 = _yRow0[y];
                int row1 = SourceHeight > 1 ? row0 + 1 : row0;
                float wy = _yWeight[y];
                int outRow = offsetY + y;

                float* top = cache + (AcquireSlot(row0, row1, out bool fillTop) * Channels * contentWidth);
                float* bottom = cache + (AcquireSlot(row1, row0, out bool fillBottom) * Channels * contentWidth);
                if (fillTop)
                {
                    byte* sourceRow = SourceRow(src, stride, row0, lastRowNeedsCopy, lastRow);
                    PreprocessKernels.HorizontalRow(sourceRow, taps, contentWidth, s0, s2, top, top + contentWidth, top + (2 * contentWidth), kernel);
                }

                if (fillBottom)
                {
                    byte* sourceRow = SourceRow(src, stride, row1, lastRowNeedsCopy, lastRow);
                    PreprocessKernels.HorizontalRow(sourceRow, taps, contentWidth, s0, s2, bottom, bottom + contentWidth, bottom + (2 * contentWidth), kernel);
                }

                for (int c = 0; c < Channels; c++)
                {
                    // (top * (1 - wy) + bottom * wy) * scale + offset, folded into two multiply-adds per element.
                    float wTop = (1f - wy) * _scale[c];
                    float wBottom = wy * _scale[c];
                    float* topChannel = top + (c * contentWidth);
                    float* bottomChannel = bottom + (c * contentWidth);
                    long at = (c * (long)plane) + ((long)outRow * width) + offsetX;
                    if (nhwc)
                    {
                        PreprocessKernels.VerticalRow(topChannel, bottomChannel, staging + (c * width) + offsetX, contentWidth, wTop, wBottom, _offset[c], kernel);
                    }
                    else if (outF32 != null)
                    {
                        PreprocessKernels.VerticalRow(topChannel, bottomChannel, outF32 + at, contentWidth, wTop, wBottom, _offset[c], kernel);
                    }
                    else
                    {
                        PreprocessKernels.VerticalRowHalf(topChannel, bottomChannel, outF16 + at, contentWidth, wTop, wBottom, _offset[c], kernel);
                    }
                }

                if (nhwc)
                {
                    StoreInterleavedRow(staging, interleaved, outF32, outF16, outRow, kernel);
                }
            }
        }
    }

    /// <summary>
    /// NHWC: interleaves the three staging rows (pad columns included) into output row <paramref name="outRow"/>,
    /// straight into an fp32 output, or through one fp32 row and one vectorized conversion into an fp16 one.
    /// </summary>
    private unsafe void StoreInterleavedRow(float* staging, float* interleaved, float* outF32, Half* outF16, int outRow, PreprocessKernel kernel)
    {
        int width = InputWidth;
        long rowStart = (long)outRow * width * Channels;
        float* destination = outF32 != null ? outF32 + rowStart : interleaved;
        PreprocessKernels.InterleaveRow(staging, staging + width, staging + (2 * width), destination, width, kernel);
        if (outF16 != null)
        {
            TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(interleaved, Channels * width), new Span<Half>(outF16 + rowStart, Channels * width));
        }
    }

    /// <summary>
    /// Letterbox: writes the normalized pad value into the bands around the content, with vectorized fills (NHWC side
    /// columns come with the staged rows, so NHWC fills only the top and bottom rows).
    /// </summary>
    private unsafe void FillPadBands(float* outF32, Half* outF16)
    {
        if (!Mapping.HasPadding)
        {
            return;
        }

        int width = InputWidth;
        int height = InputHeight;
        int plane = width * height;
        int top = Mapping.OffsetY;
        int contentBottom = top + Mapping.ContentHeight;
        int left = Mapping.OffsetX;
        int contentRight = left + Mapping.ContentWidth;
        if (Layout == TensorLayout.Nhwc)
        {
            for (int y = 0; y < top; y++)
            {
                CopyPadRow(outF32, outF16, y);
            }

            for (int y = contentBottom; y < height; y++)
            {
                CopyPadRow(outF32, outF16, y);
            }

            return;
        }

        for (int c = 0; c < Channels; c++)
        {
            long planeStart = (long)c * plane;
            FillPlanar(outF32, outF16, planeStart, top * width, c);
            FillPlanar(outF32, outF16, planeStart + ((long)contentBottom * width), (height - contentBottom) * width, c);
            if (left == 0 && contentRight == width)
            {
                continue;
            }

            for (int y = top; y < contentBottom; y++)
            {
                long rowStart = planeStart + ((long)y * width);
                FillPlanar(outF32, outF16, rowStart, left, c);
                FillPlanar(outF32, outF16, rowStart + contentRight, width - contentRight, c);
            }
        }
    }

    private unsafe void CopyPadRow(float* outF32, Half* outF16, int row)
    {
        int rowLength = InputWidth * Channels;
        if (outF32 != null)
        {
            _padRow.AsSpan().CopyTo(new Span<float>(outF32 + ((long)row * rowLength), rowLength));
        }
        else
        {
            _padRowHalf.AsSpan().CopyTo(new Span<Half>(outF16 + ((long)row * rowLength), rowLength));
        }
    }

    private unsafe void FillPlanar(float* outF32, Half* outF16, long start, int count, int channel)
    {
        if (count <= 0)
        {
            return;
        }

        if (outF32 != null)
        {
            new Span<float>(outF32 + start, count).Fill(_padValue[channel]);
        }
        else
        {
            new Span<Half>(outF16 + start, count).Fill(_padValueHalf[channel]);
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

    private static unsafe void StoreHalfRows(float* staging, int stagingStride, Half* destination, int count, int plane)
    {
        for (int c = 0; c < Channels; c++)
        {
            TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(staging + (c * stagingStride), count), new Span<Half>(destination + ((long)c * plane), count));
        }
    }
}

/// <summary>Code paths of <see cref="Preprocessor"/>, narrowest first.</summary>
internal enum PreprocessKernel
{
    /// <summary>Table-driven scalar loops (what runs with DOTNET_EnableHWIntrinsic=0).</summary>
    Scalar,

    /// <summary>
    /// Every pass on 128-bit vectors only (arm64's path: AdvSimd TBL lookups and ST3 stores there; Vector128 shuffles
    /// elsewhere, so x86 tests pinned to this level run the same loops): 8-byte tap loads and a table lookup in the
    /// horizontal pass, Vector128 vertical pass, deinterleave and interleave.
    /// </summary>
    Vector128,

    /// <summary>As <see cref="Vector128"/> with 256/512-bit vertical passes, an AVX2 gather horizontal pass and AVX2/AVX-512 interleave (x86-64).</summary>
    Avx2,

    /// <summary>As <see cref="Avx2"/>, with an AVX-512 VBMI byte-permute horizontal pass where a block's taps fit in 128 bytes.</summary>
    Avx512Vbmi,
}
