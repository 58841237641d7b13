using System.Numerics.Tensors;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Classifier postprocessing: N×K logits → softmax → top-k (class, probability) per image, best first; ties go to the
/// lower class index. Allocation-free in steady state; not thread-safe.
/// </summary>
public sealed class ClassificationPostprocessor
{
    private readonly int _topK;
    private float[] _probabilities = [];
    private float[] _logitScratch = [];

    /// <summary>Creates a postprocessor; k comes from <see cref="DecodeOptions.ClassificationTopK"/>.</summary>
    public ClassificationPostprocessor(DecodeOptions? options = null)
    {
        _topK = (options ?? DecodeOptions.Default).ClassificationTopK;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_topK);
    }

    /// <summary>k, the number of results per image.</summary>
    public int TopK => _topK;

    /// <summary>Writes min(k, K) results per image to <paramref name="destination"/>, image after image.</summary>
    /// <param name="logits">N×K logits.</param>
    /// <param name="batchSize">N.</param>
    /// <param name="destination">At least N·min(k, K) entries.</param>
    /// <returns>Number of entries written.</returns>
    public int Process(ReadOnlySpan<float> logits, int batchSize, Span<ClassScore> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (logits.Length % batchSize != 0 || logits.Length == 0)
        {
            throw new ArgumentException("logits must be N×K.", nameof(logits));
        }

        int classes = logits.Length / batchSize;
        int k = Math.Min(_topK, classes);
        if (destination.Length < batchSize * k)
        {
            throw new ArgumentException("destination too small for N·k results.", nameof(destination));
        }

        if (_probabilities.Length != classes)
        {
            _probabilities = new float[classes];
        }

        for (int n = 0; n < batchSize; n++)
        {
            Softmax(logits.Slice(n * classes, classes), _probabilities);
            SelectTopK(_probabilities, destination.Slice(n * k, k));
        }

        return batchSize * k;
    }

    /// <summary>fp16 logits: widened to fp32 once, then as the fp32 overload.</summary>
    public int Process(ReadOnlySpan<Half> logits, int batchSize, Span<ClassScore> destination)
    {
        if (_logitScratch.Length != logits.Length)
        {
            _logitScratch = new float[logits.Length];
        }

        TensorPrimitives.ConvertToSingle(logits, _logitScratch);
        return Process(_logitScratch, batchSize, destination);
    }

    private static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        // Subtract the max first: TensorPrimitives.SoftMax does not, and exp overflows for logits above ~88.
        float max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        float sum = TensorPrimitives.Sum(probabilities);
        TensorPrimitives.Divide(probabilities, sum, probabilities);
    }

    private static void SelectTopK(ReadOnlySpan<float> probabilities, Span<ClassScore> top)
    {
        // Insertion into a tiny sorted window: k ≪ K, so this beats sorting 1000 entries. Strict '>' keeps the earlier
        // (lower) class ahead on ties.
        int filled = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = probabilities[i];
            if (filled == top.Length && !(p > top[filled - 1].Probability))
            {
                continue;
            }

            int pos = filled == top.Length ? filled - 1 : filled++;
            while (pos > 0 && p > top[pos - 1].Probability)
            {
                top[pos] = top[pos - 1];
                pos--;
            }

            top[pos] = new ClassScore(i, p);
        }
    }
}

/// <summary>Naive classifier postprocessing: allocate, exp, sum, sort everything. Baseline and oracle.</summary>
internal static class ClassificationPostprocessorReference
{
    public static List<ClassScore> Process(ReadOnlySpan<float> logits, int batchSize, int topK)
    {
        int classes = logits.Length / batchSize;
        var result = new List<ClassScore>();
        for (int n = 0; n < batchSize; n++)
        {
            ReadOnlySpan<float> row = logits.Slice(n * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float x in row)
            {
                max = MathF.Max(max, x);
            }

            var probs = new ClassScore[classes];
            float sum = 0f;
            for (int i = 0; i < classes; i++)
            {
                float e = MathF.Exp(row[i] - max);
                probs[i] = new ClassScore(i, e);
                sum += e;
            }

            for (int i = 0; i < classes; i++)
            {
                probs[i] = probs[i] with { Probability = probs[i].Probability / sum };
            }

            Array.Sort(probs, (x, y) => x.Probability != y.Probability ? y.Probability.CompareTo(x.Probability) : x.ClassId.CompareTo(y.ClassId));
            for (int i = 0; i < Math.Min(topK, classes); i++)
            {
                result.Add(probs[i]);
            }
        }

        return result;
    }
}
