using System.Numerics.Tensors;
using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// SSD300 postprocessing (NVIDIA DeepLearningExamples v1.1 contract): <c>locs</c> N×4×8732 (dx, dy, dw, dh against the
/// default boxes) and <c>scores</c> N×81×8732 logits, class 0 = background. Output per image: softmax over classes,
/// per class (1..80) probability &gt; threshold, top-k, greedy NMS, then at most <see cref="DecodeOptions.SsdMaxDetections"/>
/// detections sorted by descending score (the reference returns them ascending; ties: lower class, then lower box index).
/// Allocation-free in steady state; not thread-safe (use one instance per pipeline).
/// </summary>
public sealed class SsdPostprocessor
{
    // Candidates are pre-selected in the log domain (logit > max + log(threshold·sum)); the margin absorbs the
    // few-ulp error of the vectorised Exp/Log so the exact scalar test below sees every true candidate.
    private const float LogDomainMargin = 1e-3f;

    private readonly DecodeOptions _options;
    private readonly SsdDefaultBoxes _boxes;
    private readonly int _boxCount;
    private readonly int _classCount;
    private readonly float[] _max;
    private readonly float[] _sum;
    private readonly float[] _tmp;
    private readonly float[] _threshold;
    private readonly int[] _indices;
    private readonly DetectionAssembler _assembler = new();
    private float[] _locScratch = [];
    private float[] _scoreScratch = [];
    private float[] _transposeScratch = [];

    /// <summary>Creates a postprocessor; both arguments default to the SSD300 COCO reference.</summary>
    public SsdPostprocessor(DecodeOptions? options = null, SsdDefaultBoxes? defaultBoxes = null)
    {
        _options = options ?? DecodeOptions.Default;
        _boxes = defaultBoxes ?? SsdDefaultBoxes.Coco300;
        _boxCount = _boxes.Count;
        _classCount = _options.SsdClassCount;
        Validate(_options);

        if (_classCount - 1 > DetectionAssembler.MaxClassId || _boxCount > DetectionAssembler.MaxBoxIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Too many classes or boxes for the candidate key.");
        }

        _max = new float[_boxCount];
        _sum = new float[_boxCount];
        _tmp = new float[_boxCount];
        _threshold = new float[_boxCount];
        _indices = new int[_boxCount];
    }

    /// <summary>
    /// Throws when <paramref name="options"/> break the SSD decode's contract: a probability threshold in (0, 1) (the
    /// log-domain candidate test needs log(threshold); outside it is a bug), at least two classes, a positive per-class
    /// top-k and a non-negative cap. Other implementations of the same decode (the CUDA kernels) check with it too.
    /// </summary>
    public static void Validate(DecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.SsdScoreThreshold > 0f && options.SsdScoreThreshold < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SsdScoreThreshold, "SsdScoreThreshold must be in (0, 1).");
        }

        if (options.SsdClassCount < 2 || options.SsdPerClassTopK <= 0 || options.SsdMaxDetections < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Need at least two SSD classes, a positive per-class top-k and a non-negative cap.");
        }
    }

    /// <summary>(box, class) pairs above the score threshold in the last processed batch, before top-k and NMS.</summary>
    public int LastCandidateCount { get; private set; }

    /// <summary>Decodes a batch of fp32 outputs and appends the detections to <paramref name="output"/>.</summary>
    /// <param name="locs">N×4×8732 box regressions.</param>
    /// <param name="scores">N×81×8732 class logits.</param>
    /// <param name="batchSize">N.</param>
    /// <param name="output">Receives detections, image by image (<see cref="Detection.BatchIndex"/> set).</param>
    public void Process(ReadOnlySpan<float> locs, ReadOnlySpan<float> scores, int batchSize, List<Detection> output)
    {
        ValidateShapes(locs.Length, scores.Length, batchSize);
        ArgumentNullException.ThrowIfNull(output);
        int locStride = 4 * _boxCount;
        int scoreStride = _classCount * _boxCount;
        LastCandidateCount = 0;
        for (int n = 0; n < batchSize; n++)
        {
            ReadOnlySpan<float> imageLocs = locs.Slice(n * locStride, locStride), imageScores = scores.Slice(n * scoreStride, scoreStride);
            if (_options.SsdAnchorsLast)
            {
                // The decode works on class-major rows (one vectorised compare per class): an anchors-last head's
                // [A, 4] and [A, C] are transposed into the scratch rows first, one pass each.
                EnsureScratch(locStride, scoreStride);
                Transpose(imageLocs, _boxCount, 4, _locScratch);
                Transpose(imageScores, _boxCount, _classCount, _scoreScratch);
                imageLocs = _locScratch;
                imageScores = _scoreScratch;
            }

            ProcessImage(imageLocs, imageScores, n, output);
        }
    }

    /// <summary>
    /// [rows, columns] row-major into [columns, rows]: an anchors-last head's [A, 4] / [A, C] into the class-major rows
    /// this decode scans (and back, for the benchmark's recorded-style outputs of such a head).
    /// </summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = source.Slice(r * columns, columns);
            for (int c = 0; c < columns; c++)
            {
                destination[(c * rows) + r] = row[c];
            }
        }
    }

    private void EnsureScratch(int locStride, int scoreStride)
    {
        if (_locScratch.Length != locStride)
        {
            _locScratch = new float[locStride];
            _scoreScratch = new float[scoreStride];
            // Only an fp16 anchors-last head needs a widened copy before its transpose (SSD300's would carry 2.8 MB for nothing).
            _transposeScratch = _options.SsdAnchorsLast ? new float[Math.Max(locStride, scoreStride)] : [];
        }
    }

    /// <summary>
    /// Decodes a batch of fp16 outputs. Each image is widened to fp32 once (TensorPrimitives.ConvertToSingle) and
    /// decoded in fp32, as the reference does for half-precision models.
    /// </summary>
    public void Process(ReadOnlySpan<Half> locs, ReadOnlySpan<Half> scores, int batchSize, List<Detection> output)
    {
        ValidateShapes(locs.Length, scores.Length, batchSize);
        ArgumentNullException.ThrowIfNull(output);
        int locStride = 4 * _boxCount;
        int scoreStride = _classCount * _boxCount;
        EnsureScratch(locStride, scoreStride);
        LastCandidateCount = 0;
        for (int n = 0; n < batchSize; n++)
        {
            if (_options.SsdAnchorsLast)
            {
                // Widen, then transpose into the class-major rows (see the fp32 overload).
                Span<float> widened = _transposeScratch;
                TensorPrimitives.ConvertToSingle(locs.Slice(n * locStride, locStride), widened[..locStride]);
                Transpose(widened[..locStride], _boxCount, 4, _locScratch);
                TensorPrimitives.ConvertToSingle(scores.Slice(n * scoreStride, scoreStride), widened[..scoreStride]);
                Transpose(widened[..scoreStride], _boxCount, _classCount, _scoreScratch);
            }
            else
            {
                TensorPrimitives.ConvertToSingle(locs.Slice(n * locStride, locStride), _locScratch);
                TensorPrimitives.ConvertToSingle(scores.Slice(n * scoreStride, scoreStride), _scoreScratch);
            }

            ProcessImage(_locScratch, _scoreScratch, n, output);
        }
    }

    private void ValidateShapes(int locsLength, int scoresLength, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if (locsLength != batchSize * 4 * _boxCount)
        {
            throw new ArgumentException($"locs must be N×4×{_boxCount}.", nameof(locsLength));
        }

        if (scoresLength != batchSize * _classCount * _boxCount)
        {
            throw new ArgumentException($"scores must be N×{_classCount}×{_boxCount}.", nameof(scoresLength));
        }
    }

    private void ProcessImage(ReadOnlySpan<float> locs, ReadOnlySpan<float> scores, int batchIndex, List<Detection> output)
    {
        int b = _boxCount;
        Span<float> max = _max;
        Span<float> sum = _sum;
        Span<float> tmp = _tmp;
        Span<float> threshold = _threshold;
        float scoreThreshold = _options.SsdScoreThreshold;

        if (_options.SsdSigmoidScores)
        {
            ProcessSigmoid(locs, scores, batchIndex, output);
            return;
        }

        // Softmax over the class axis. Scores are class-major (81 rows of 8732), so every step is a contiguous,
        // vectorised row operation: running max over rows, then sum of exp(row − max) over rows.
        scores[..b].CopyTo(max);
        for (int c = 1; c < _classCount; c++)
        {
            TensorPrimitives.Max(max, scores.Slice(c * b, b), max);
        }

        sum.Clear();
        for (int c = 0; c < _classCount; c++)
        {
            TensorPrimitives.Subtract(scores.Slice(c * b, b), max, tmp);
            TensorPrimitives.Exp(tmp, tmp);
            TensorPrimitives.Add(sum, tmp, sum);
        }

        // p > t  ⇔  logit > max + log(t·sum): a plain compare per row, no per-class exponentials.
        TensorPrimitives.Multiply(sum, scoreThreshold, tmp);
        TensorPrimitives.Log(tmp, tmp);
        TensorPrimitives.Add(tmp, max, threshold);
        TensorPrimitives.Subtract(threshold, LogDomainMargin, threshold);

        _assembler.Reset();
        for (int c = FirstClass; c < _classCount; c++)
        {
            ReadOnlySpan<float> row = scores.Slice(c * b, b);
            int found = CandidateScan.GreaterThan(row, threshold, _indices);
            for (int k = 0; k < found; k++)
            {
                int box = _indices[k];
                float p = MathF.Exp(row[box] - max[box]) / sum[box];
                if (p > scoreThreshold)
                {
                    _assembler.Add(c, box, p);
                }
            }
        }

        Emit(locs, batchIndex, output);
    }

    /// <summary>Class 1 when class 0 is background (SSD300), else 0.</summary>
    private int FirstClass => _options.SsdBackgroundClass ? 1 : 0;

    /// <summary>
    /// Per-class sigmoid scores: p = σ(x) > t ⇔ x > ln(t / (1 - t)), one constant for every row, so each class row is
    /// one vectorised compare and only the candidates pay an exponential.
    /// </summary>
    private void ProcessSigmoid(ReadOnlySpan<float> locs, ReadOnlySpan<float> scores, int batchIndex, List<Detection> output)
    {
        int b = _boxCount;
        float scoreThreshold = _options.SsdScoreThreshold;
        Span<float> threshold = _threshold;
        threshold.Fill(MathF.Log(scoreThreshold / (1f - scoreThreshold)) - LogDomainMargin);
        _assembler.Reset();
        for (int c = FirstClass; c < _classCount; c++)
        {
            ReadOnlySpan<float> row = scores.Slice(c * b, b);
            int found = CandidateScan.GreaterThan(row, threshold, _indices);
            for (int k = 0; k < found; k++)
            {
                int box = _indices[k];
                float p = 1f / (1f + MathF.Exp(-row[box]));
                if (p > scoreThreshold)
                {
                    _assembler.Add(c, box, p);
                }
            }
        }

        Emit(locs, batchIndex, output);
    }

    private void Emit(ReadOnlySpan<float> locs, int batchIndex, List<Detection> output)
    {
        LastCandidateCount += _assembler.Count;
        var source = new SsdBoxSource(locs, _boxes, _options.SsdScaleXy, _options.SsdScaleWh);
        _assembler.Emit(ref source, _options.SsdPerClassTopK, _options.SsdIouThreshold, _options.SsdOverlapRule, _options.SsdMaxDetections, batchIndex, output);
    }

    /// <summary>Decodes one box on demand, so only candidates that reach NMS are ever decoded.</summary>
    private readonly ref struct SsdBoxSource(ReadOnlySpan<float> locs, SsdDefaultBoxes boxes, float scaleXy, float scaleWh) : IBoxSource
    {
        private readonly ReadOnlySpan<float> _locs = locs;
        private readonly ReadOnlySpan<float> _cx = boxes.CenterX;
        private readonly ReadOnlySpan<float> _cy = boxes.CenterY;
        private readonly ReadOnlySpan<float> _w = boxes.Width;
        private readonly ReadOnlySpan<float> _h = boxes.Height;
        private readonly int _count = boxes.Count;

        public BoundingBox Decode(int box)
            => BoxMath.DecodeSsd(
                _locs[box], _locs[_count + box], _locs[(2 * _count) + box], _locs[(3 * _count) + box],
                _cx[box], _cy[box], _w[box], _h[box], scaleXy, scaleWh);
    }
}
