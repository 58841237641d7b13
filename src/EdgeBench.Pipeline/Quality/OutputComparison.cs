using EdgeBench.Core.Detection;

namespace EdgeBench.Pipeline.Quality;

/// <summary>Measures of how far two runs of a model (fp32 and fp16) are apart, on raw outputs and on results.</summary>
public static class OutputComparison
{
    /// <summary>Cosine similarity of two vectors, in double precision; 1 when both are all zero.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Vectors differ in length: {a.Length} and {b.Length}.");
        }

        double dot = 0, normA = 0, normB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            normA += a[i] * (double)a[i];
            normB += b[i] * (double)b[i];
        }

        return normA == 0 && normB == 0 ? 1.0 : dot / Math.Sqrt(normA * normB);
    }

    /// <summary>Largest |a[i] - b[i]|.</summary>
    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Vectors differ in length: {a.Length} and {b.Length}.");
        }

        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - (double)b[i]));
        }

        return max;
    }

    /// <summary>
    /// How many <paramref name="reference"/> detections have a partner in <paramref name="candidate"/>: same batch
    /// item, same class, IoU at least <paramref name="iouThreshold"/>. Greedy, highest reference score first, each
    /// candidate used once (the usual detection-matching rule).
    /// </summary>
    public static int MatchedDetections(IReadOnlyList<Detection> reference, IReadOnlyList<Detection> candidate, float iouThreshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        bool[] used = new bool[candidate.Count];
        int matched = 0;
        foreach (Detection r in reference.OrderByDescending(d => d.Score))
        {
            int best = -1;
            float bestIoU = iouThreshold;
            for (int i = 0; i < candidate.Count; i++)
            {
                Detection c = candidate[i];
                if (used[i] || c.ClassId != r.ClassId || c.BatchIndex != r.BatchIndex)
                {
                    continue;
                }

                float iou = r.Box.IoU(c.Box);
                if (iou >= bestIoU)
                {
                    best = i;
                    bestIoU = iou;
                }
            }

            if (best >= 0)
            {
                used[best] = true;
                matched++;
            }
        }

        return matched;
    }
}
