using System.Numerics.Tensors;
using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Ultralytics YOLOv8 / YOLO11 anchor-free head: one output [N, 4+C, A] as the export writes it, or transposed
/// [N, A, 4+C] (which dimension is 4+C: <see cref="UltralyticsLayout.YoloV8"/>). Per box: cx, cy, w, h in input pixels,
/// then C class scores already sigmoided; no objectness. A box is a candidate when its best class score is strictly
/// above <see cref="DecodeOptions.UltralyticsScoreThreshold"/>; its class is that best class (the lowest class id among
/// equal scores), its score that class score (single-label, Ultralytics' <c>non_max_suppression</c> default).
/// </summary>
/// <remarks>
/// <para>NMS semantics (both Ultralytics heads): greedy, best score first; a box is suppressed when its IoU with an
/// already kept box is strictly above <see cref="DecodeOptions.UltralyticsIouThreshold"/> (torchvision's <c>nms</c>);
/// boxes of different classes never suppress each other unless <see cref="DecodeOptions.UltralyticsClassAgnostic"/>.
/// Survivors are ordered by descending score, equal scores by lower box (anchor) index, and the first
/// <see cref="DecodeOptions.UltralyticsMaxDetections"/> are returned. Ultralytics also caps NMS input at 30,000 boxes;
/// single-label candidates never exceed the anchor count, which is below that for inputs up to 1216x1216, so no cap is
/// applied here.</para>
/// <para>Boxes are relative to the model input (0..1), as the other heads return them. Allocation-free in steady
/// state; not thread-safe.</para>
/// </remarks>
public sealed class YoloV8Postprocessor
{
    private readonly UltralyticsDecoder _decoder;

    /// <summary>Creates the head for an output of <paramref name="outputShape"/> ([N,4+C,A] or [N,A,4+C]).</summary>
    /// <param name="outputShape">The model's output shape; the batch dimension is ignored.</param>
    /// <param name="inputWidth">Model input width in pixels (boxes are divided by it).</param>
    /// <param name="inputHeight">Model input height in pixels.</param>
    /// <param name="options">Thresholds; the defaults when null.</param>
    public YoloV8Postprocessor(IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        _decoder = new UltralyticsDecoder(UltralyticsLayout.YoloV8(outputShape, inputWidth, inputHeight, options.UltralyticsClassCount), options);
    }

    /// <summary>Boxes above the score threshold in the last processed batch, before NMS.</summary>
    public int LastCandidateCount => _decoder.LastCandidateCount;

    /// <summary>C, the number of classes the output holds.</summary>
    public int ClassCount => _decoder.Layout.ClassCount;

    /// <summary>A, the boxes per image.</summary>
    public int Anchors => _decoder.Layout.Anchors;

    /// <summary>Whether the output is [N,4+C,A] (true) or [N,A,4+C].</summary>
    public bool ChannelMajor => _decoder.Layout.ChannelMajor;

    internal UltralyticsLayout Layout => _decoder.Layout;

    /// <summary>Decodes a batch of fp32 outputs and appends the detections to <paramref name="output"/>, image by image.</summary>
    public void Process(ReadOnlySpan<float> outputs, int batchSize, List<Detection> output) => _decoder.Process(outputs, batchSize, output);

    /// <summary>Decodes fp16 outputs; each image is widened to fp32 once and decoded in fp32.</summary>
    public void Process(ReadOnlySpan<Half> outputs, int batchSize, List<Detection> output) => _decoder.Process(outputs, batchSize, output);
}

/// <summary>
/// Ultralytics YOLOv5 head: one output [N, A, 5+C], per box cx, cy, w, h in input pixels, objectness, then C class
/// probabilities, all already sigmoided (the export's Detect layer applies the sigmoid). As YOLOv5's
/// <c>non_max_suppression</c>: a box is a candidate when objectness &gt; threshold and objectness · best class
/// probability &gt; threshold; its class is the best class (lowest id among equal probabilities), its score that
/// product. NMS semantics, ordering and cap as <see cref="YoloV8Postprocessor"/>. Allocation-free in steady state; not
/// thread-safe.
/// </summary>
public sealed class YoloV5Postprocessor
{
    private readonly UltralyticsDecoder _decoder;

    /// <summary>Creates the head for an output of <paramref name="outputShape"/> ([N,A,5+C]).</summary>
    public YoloV5Postprocessor(IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        _decoder = new UltralyticsDecoder(UltralyticsLayout.YoloV5(outputShape, inputWidth, inputHeight, options.UltralyticsClassCount), options);
    }

    /// <summary>Boxes above the score threshold in the last processed batch, before NMS.</summary>
    public int LastCandidateCount => _decoder.LastCandidateCount;

    /// <summary>C, the number of classes the output holds.</summary>
    public int ClassCount => _decoder.Layout.ClassCount;

    internal UltralyticsLayout Layout => _decoder.Layout;

    /// <summary>Decodes a batch of fp32 outputs and appends the detections to <paramref name="output"/>, image by image.</summary>
    public void Process(ReadOnlySpan<float> outputs, int batchSize, List<Detection> output) => _decoder.Process(outputs, batchSize, output);

    /// <summary>Decodes fp16 outputs; each image is widened to fp32 once and decoded in fp32.</summary>
    public void Process(ReadOnlySpan<Half> outputs, int batchSize, List<Detection> output) => _decoder.Process(outputs, batchSize, output);
}

/// <summary>The fast path both Ultralytics heads share: candidate search per layout, then the common NMS back half.</summary>
internal sealed class UltralyticsDecoder
{
    private readonly DecodeOptions _options;
    private readonly float[] _best;
    private readonly int[] _labels;
    private readonly int[] _indices;
    private readonly DetectionAssembler _assembler = new();
    private float[] _scratch = [];

    public UltralyticsDecoder(UltralyticsLayout layout, DecodeOptions options)
    {
        Layout = layout;
        _options = options;
        float t = options.UltralyticsScoreThreshold;
        if (!(t > 0f && t < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), t, "UltralyticsScoreThreshold must be in (0, 1).");
        }

        if (!(options.UltralyticsIouThreshold > 0f && options.UltralyticsIouThreshold <= 1f) || options.UltralyticsMaxDetections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "UltralyticsIouThreshold must be in (0, 1] and UltralyticsMaxDetections at least 1.");
        }

        _best = new float[layout.Anchors];
        _labels = new int[layout.Anchors];
        _indices = new int[layout.Anchors];
    }

    public UltralyticsLayout Layout { get; }

    public int LastCandidateCount { get; private set; }

    public void Process(ReadOnlySpan<float> outputs, int batchSize, List<Detection> output)
    {
        int length = ValidateShape(outputs.Length, batchSize);
        ArgumentNullException.ThrowIfNull(output);
        LastCandidateCount = 0;
        for (int n = 0; n < batchSize; n++)
        {
            ProcessImage(outputs.Slice(n * length, length), n, output);
        }
    }

    public void Process(ReadOnlySpan<Half> outputs, int batchSize, List<Detection> output)
    {
        int length = ValidateShape(outputs.Length, batchSize);
        ArgumentNullException.ThrowIfNull(output);
        if (_scratch.Length != length)
        {
            _scratch = new float[length];
        }

        LastCandidateCount = 0;
        for (int n = 0; n < batchSize; n++)
        {
            TensorPrimitives.ConvertToSingle(outputs.Slice(n * length, length), _scratch);
            ProcessImage(_scratch, n, output);
        }
    }

    private int ValidateShape(int length, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        int image = Layout.ImageLength;
        if (length != batchSize * image)
        {
            string shape = Layout.ChannelMajor ? $"N×{Layout.Channels}×{Layout.Anchors}" : $"N×{Layout.Anchors}×{Layout.Channels}";
            throw new ArgumentException($"output must be {shape} ({batchSize * image} elements at N = {batchSize}), got {length}.", nameof(length));
        }

        return image;
    }

    private void ProcessImage(ReadOnlySpan<float> image, int batchIndex, List<Detection> output)
    {
        // Both searches leave exactly the boxes whose score is strictly above the threshold (exact float compares).
        int found = Layout.ChannelMajor ? BestPerAnchorChannelMajor(image) : BestPerAnchorAnchorMajor(image);
        bool agnostic = _options.UltralyticsClassAgnostic;
        _assembler.Reset();
        for (int k = 0; k < found; k++)
        {
            int anchor = _indices[k];

            // Class-agnostic: one NMS group; the box's own class comes back through the labels at Emit.
            _assembler.Add(agnostic ? 0 : _labels[anchor], anchor, _best[anchor]);
        }

        LastCandidateCount += _assembler.Count;
        var source = new UltralyticsBoxSource(image, Layout);
        _assembler.Emit(
            ref source, int.MaxValue, _options.UltralyticsIouThreshold, _options.UltralyticsOverlapRule, _options.UltralyticsMaxDetections,
            batchIndex, output, agnostic ? _labels : default, tieByBox: true);
    }

    /// <summary>
    /// [4+C, A]: each class is a contiguous row of A scores, so the best score of every anchor is C vectorised
    /// row maxima and the threshold one vectorised compare; only candidates look up which class was best.
    /// </summary>
    private int BestPerAnchorChannelMajor(ReadOnlySpan<float> image)
    {
        int a = Layout.Anchors;
        int classes = Layout.ClassCount;
        Span<float> best = _best;
        ReadOnlySpan<float> scores = image[(Layout.ClassOffset * a)..];
        scores[..a].CopyTo(best);
        for (int c = 1; c < classes; c++)
        {
            TensorPrimitives.Max(best, scores.Slice(c * a, a), best);
        }

        int found = CandidateScan.GreaterThan(best, _options.UltralyticsScoreThreshold, _indices);
        for (int k = 0; k < found; k++)
        {
            int anchor = _indices[k];
            float max = best[anchor];
            int c = 0;
            while (scores[(c * a) + anchor] != max)
            {
                c++;
            }

            _labels[anchor] = c;
        }

        return found;
    }

    /// <summary>
    /// [A, channels]: each anchor's class scores are contiguous, so its best class is one vectorised IndexOfMax. For
    /// YOLOv5 only boxes whose objectness passes are reduced (darknet-style early exit; the objectness column is
    /// strided, so that test is a scalar read per box).
    /// </summary>
    private int BestPerAnchorAnchorMajor(ReadOnlySpan<float> image)
    {
        int channels = Layout.Channels;
        int classes = Layout.ClassCount;
        int offset = Layout.ClassOffset;
        float threshold = _options.UltralyticsScoreThreshold;
        int found = 0;
        for (int anchor = 0, row = 0; anchor < Layout.Anchors; anchor++, row += channels)
        {
            float objectness = 1f;
            if (Layout.HasObjectness)
            {
                objectness = image[row + 4];
                if (!(objectness > threshold))
                {
                    continue;
                }
            }

            ReadOnlySpan<float> scores = image.Slice(row + offset, classes);
            int c = TensorPrimitives.IndexOfMax(scores);
            float score = Layout.HasObjectness ? objectness * scores[c] : scores[c];
            if (score > threshold)
            {
                _best[anchor] = score;
                _labels[anchor] = c;
                _indices[found++] = anchor;
            }
        }

        return found;
    }

    private readonly ref struct UltralyticsBoxSource(ReadOnlySpan<float> image, UltralyticsLayout layout) : IBoxSource
    {
        private readonly ReadOnlySpan<float> _image = image;

        public BoundingBox Decode(int box) => layout.Decode(_image, box);
    }
}
