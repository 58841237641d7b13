using System.Numerics.Tensors;
using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// YOLOv3-tiny postprocessing (darknet semantics): heads N×255×13×13 and N×255×26×26 (anchor-major, 3 × (4 box +
/// 1 objectness + 80 classes)); confidence = σ(obj)·σ(class) &gt; threshold (every class above threshold yields a
/// candidate, as darknet does), class-wise greedy NMS (suppress when IoU &gt; 0.45), then detections by descending
/// score, capped at <see cref="DecodeOptions.YoloMaxDetections"/>. Boxes are relative to the 416×416 network input
/// (undoing a letterbox is the caller's business). Allocation-free in steady state; not thread-safe.
/// </summary>
public sealed class YoloV3TinyPostprocessor
{
    // σ(obj) > t ⇔ obj > logit(t); the margin covers float error in logit so the exact test sees every survivor.
    private const float LogitMargin = 1e-3f;

    private readonly DecodeOptions _options;
    private readonly YoloV3TinyLayout _layout;
    private readonly float _objectnessLogitThreshold;
    private readonly int[] _indices;
    private readonly DetectionAssembler _assembler = new();
    private float[] _coarseScratch = [];
    private float[] _fineScratch = [];

    /// <summary>Creates a postprocessor with the given (or default) options.</summary>
    public YoloV3TinyPostprocessor(DecodeOptions? options = null)
    {
        _options = options ?? DecodeOptions.Default;
        _layout = new YoloV3TinyLayout(_options);
        if (_layout.ClassCount - 1 > DetectionAssembler.MaxClassId || _layout.TotalBoxes > DetectionAssembler.MaxBoxIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Too many classes or boxes for the candidate key.");
        }

        float t = _options.YoloConfidenceThreshold;

        // logit(t) is only defined for 0 < t < 1.
        if (!(t > 0f && t < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), t, "YoloConfidenceThreshold must be in (0, 1).");
        }

        _objectnessLogitThreshold = MathF.Log(t / (1f - t)) - LogitMargin;
        _indices = new int[_layout.Grid[1] * _layout.Grid[1]];
    }

    /// <summary>(box, class) pairs above the confidence threshold in the last processed batch, before NMS.</summary>
    public int LastCandidateCount { get; private set; }

    /// <summary>Decodes a batch of fp32 head outputs and appends the detections to <paramref name="output"/>.</summary>
    /// <param name="coarse">N×255×13×13 (stride 32).</param>
    /// <param name="fine">N×255×26×26 (stride 16).</param>
    /// <param name="batchSize">N.</param>
    /// <param name="output">Receives detections, image by image.</param>
    public void Process(ReadOnlySpan<float> coarse, ReadOnlySpan<float> fine, int batchSize, List<Detection> output)
    {
        ValidateShapes(coarse.Length, fine.Length, batchSize);
        ArgumentNullException.ThrowIfNull(output);
        int coarseLength = _layout.HeadLength(0);
        int fineLength = _layout.HeadLength(1);
        LastCandidateCount = 0;
        for (int n = 0; n < batchSize; n++)
        {
            ProcessImage(coarse.Slice(n * coarseLength, coarseLength), fine.Slice(n * fineLength, fineLength), n, output);
        }
    }

    /// <summary>Decodes fp16 head outputs; each image is widened to fp32 once and decoded in fp32.</summary>
    public void Process(ReadOnlySpan<Half> coarse, ReadOnlySpan<Half> fine, int batchSize, List<Detection> output)
    {
        ValidateShapes(coarse.Length, fine.Length, batchSize);
        ArgumentNullException.ThrowIfNull(output);
        int coarseLength = _layout.HeadLength(0);
        int fineLength = _layout.HeadLength(1);
        if (_coarseScratch.Length != coarseLength)
        {
            _coarseScratch = new float[coarseLength];
            _fineScratch = new float[fineLength];
        }

        LastCandidateCount = 0;
        for (int n = 0; n < batchSize; n++)
        {
            TensorPrimitives.ConvertToSingle(coarse.Slice(n * coarseLength, coarseLength), _coarseScratch);
            TensorPrimitives.ConvertToSingle(fine.Slice(n * fineLength, fineLength), _fineScratch);
            ProcessImage(_coarseScratch, _fineScratch, n, output);
        }
    }

    private void ValidateShapes(int coarseLength, int fineLength, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if (coarseLength != batchSize * _layout.HeadLength(0))
        {
            throw new ArgumentException("coarse head must be N×(A·(5+C))×(S/32)².", nameof(coarseLength));
        }

        if (fineLength != batchSize * _layout.HeadLength(1))
        {
            throw new ArgumentException("fine head must be N×(A·(5+C))×(S/16)².", nameof(fineLength));
        }
    }

    private void ProcessImage(ReadOnlySpan<float> coarse, ReadOnlySpan<float> fine, int batchIndex, List<Detection> output)
    {
        _assembler.Reset();
        CollectHead(coarse, 0);
        CollectHead(fine, 1);
        LastCandidateCount += _assembler.Count;
        var source = new YoloBoxSource(coarse, fine, _layout);
        _assembler.Emit(ref source, int.MaxValue, _options.YoloIouThreshold, _options.YoloOverlapRule, _options.YoloMaxDetections, batchIndex, output);
    }

    private void CollectHead(ReadOnlySpan<float> head, int headIndex)
    {
        int plane = _layout.Grid[headIndex] * _layout.Grid[headIndex];
        int channels = _layout.Channels;
        float threshold = _options.YoloConfidenceThreshold;
        for (int a = 0; a < _layout.AnchorsPerHead; a++)
        {
            int anchorBase = a * channels * plane;

            // Objectness first: one vectorised compare over the plane; only survivors touch their 80 class channels.
            int found = CandidateScan.GreaterThan(head.Slice(anchorBase + (4 * plane), plane), _objectnessLogitThreshold, _indices);
            for (int k = 0; k < found; k++)
            {
                int cell = _indices[k];
                float objectness = BoxMath.Sigmoid(head[anchorBase + (4 * plane) + cell]);

                // Darknet's get_yolo_detections skips the box when objectness <= thresh.
                if (objectness <= threshold)
                {
                    continue;
                }

                int box = _layout.BoxOffset[headIndex] + (a * plane) + cell;
                int classBase = anchorBase + (5 * plane) + cell;
                for (int c = 0; c < _layout.ClassCount; c++)
                {
                    float confidence = objectness * BoxMath.Sigmoid(head[classBase + (c * plane)]);
                    if (confidence > threshold)
                    {
                        _assembler.Add(c, box, confidence);
                    }
                }
            }
        }
    }

    private readonly ref struct YoloBoxSource(ReadOnlySpan<float> coarse, ReadOnlySpan<float> fine, YoloV3TinyLayout layout) : IBoxSource
    {
        private readonly ReadOnlySpan<float> _coarse = coarse;
        private readonly ReadOnlySpan<float> _fine = fine;

        public BoundingBox Decode(int box)
        {
            int head = box < layout.BoxOffset[1] ? 0 : 1;
            int local = box - layout.BoxOffset[head];
            int plane = layout.Grid[head] * layout.Grid[head];
            return layout.Decode(head == 0 ? _coarse : _fine, head, local / plane, local % plane);
        }
    }
}
