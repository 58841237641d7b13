using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// The straightforward port of NVIDIA's <c>scale_back_batch</c> + <c>decode_single</c>, written as a typical port
/// would be: decode all 8732 boxes, softmax each box into a fresh array, a list per class, sort, O(n²) NMS that rebuilds
/// the remaining list after each pick. The honest baseline for benchmarks and the oracle for tests. Same ordering
/// contract as <see cref="SsdPostprocessor"/>.
/// </summary>
internal sealed class SsdPostprocessorReference(DecodeOptions? options = null, SsdDefaultBoxes? defaultBoxes = null)
{
    private readonly DecodeOptions _options = options ?? DecodeOptions.Default;
    private readonly SsdDefaultBoxes _boxes = defaultBoxes ?? SsdDefaultBoxes.Coco300;

    public List<Detection> Process(ReadOnlySpan<Half> locs, ReadOnlySpan<Half> scores, int batchSize)
    {
        var l = new float[locs.Length];
        var s = new float[scores.Length];
        for (int i = 0; i < l.Length; i++)
        {
            l[i] = (float)locs[i];
        }

        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)scores[i];
        }

        return Process(l, s, batchSize);
    }

    public List<Detection> Process(ReadOnlySpan<float> locs, ReadOnlySpan<float> scores, int batchSize)
    {
        int b = _boxes.Count;
        int classes = _options.SsdClassCount;
        var result = new List<Detection>();
        for (int n = 0; n < batchSize; n++)
        {
            ReadOnlySpan<float> loc = locs.Slice(n * 4 * b, 4 * b);
            ReadOnlySpan<float> score = scores.Slice(n * classes * b, classes * b);
            if (_options.SsdAnchorsLast)
            {
                // torchvision's head: [A, 4] and [A, C]; indexed below as SSD300's [4, A] and [C, A].
                loc = AnchorsFirst(loc, b, 4);
                score = AnchorsFirst(score, b, classes);
            }

            // scale_back_batch: decode every default box.
            var boxes = new BoundingBox[b];
            for (int i = 0; i < b; i++)
            {
                boxes[i] = BoxMath.DecodeSsd(
                    loc[i], loc[b + i], loc[(2 * b) + i], loc[(3 * b) + i],
                    _boxes.CenterX[i], _boxes.CenterY[i], _boxes.Width[i], _boxes.Height[i],
                    _options.SsdScaleXy, _options.SsdScaleWh);
            }

            // F.softmax(scores, dim=-1), one box at a time (or torch.sigmoid per score for a sigmoid head).
            var probs = new float[b][];
            for (int i = 0; i < b; i++)
            {
                var p = new float[classes];
                if (_options.SsdSigmoidScores)
                {
                    for (int c = 0; c < classes; c++)
                    {
                        p[c] = 1f / (1f + MathF.Exp(-score[(c * b) + i]));
                    }

                    probs[i] = p;
                    continue;
                }

                float max = float.NegativeInfinity;
                for (int c = 0; c < classes; c++)
                {
                    max = MathF.Max(max, score[(c * b) + i]);
                }

                float sum = 0f;
                for (int c = 0; c < classes; c++)
                {
                    p[c] = MathF.Exp(score[(c * b) + i] - max);
                    sum += p[c];
                }

                for (int c = 0; c < classes; c++)
                {
                    p[c] /= sum;
                }

                probs[i] = p;
            }

            // decode_single.
            var kept = new List<Detection>();
            for (int c = _options.SsdBackgroundClass ? 1 : 0; c < classes; c++)
            {
                var candidates = new List<(int Box, float Score)>();
                for (int i = 0; i < b; i++)
                {
                    if (probs[i][c] > _options.SsdScoreThreshold)
                    {
                        candidates.Add((i, probs[i][c]));
                    }
                }

                if (candidates.Count == 0)
                {
                    continue;
                }

                candidates.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Box.CompareTo(y.Box));
                if (candidates.Count > _options.SsdPerClassTopK)
                {
                    candidates.RemoveRange(_options.SsdPerClassTopK, candidates.Count - _options.SsdPerClassTopK);
                }

                foreach ((int box, float s) in NmsReference.Greedy(candidates, boxes, _options.SsdIouThreshold, _options.SsdOverlapRule))
                {
                    kept.Add(new Detection(boxes[box], c, s, n));
                }
            }

            result.AddRange(NmsReference.OrderAndCap(kept, _options.SsdMaxDetections));
        }

        return result;
    }

    private static float[] AnchorsFirst(ReadOnlySpan<float> anchorsLast, int anchors, int columns)
    {
        var result = new float[anchorsLast.Length];
        for (int a = 0; a < anchors; a++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * anchors) + a] = anchorsLast[(a * columns) + c];
            }
        }

        return result;
    }
}

/// <summary>Brute-force NMS and final ordering, written the way the Python reference reads.</summary>
internal static class NmsReference
{
    /// <summary>Pick the best remaining, drop everything it overlaps, repeat (candidates sorted best first).</summary>
    public static List<(int Box, float Score)> Greedy(List<(int Box, float Score)> sorted, BoundingBox[] boxes, float iouThreshold, NmsOverlapRule rule)
    {
        var picked = new List<(int Box, float Score)>();
        var remaining = sorted;
        while (remaining.Count > 0)
        {
            (int Box, float Score) pick = remaining[0];
            picked.Add(pick);
            var next = new List<(int Box, float Score)>();
            for (int i = 1; i < remaining.Count; i++)
            {
                float iou = boxes[pick.Box].IoU(boxes[remaining[i].Box]);
                bool suppressed = rule == NmsOverlapRule.SuppressAtOrAbove ? iou >= iouThreshold : iou > iouThreshold;
                if (!suppressed)
                {
                    next.Add(remaining[i]);
                }
            }

            remaining = next;
        }

        return picked;
    }

    /// <summary>Stable sort by descending score, then keep the first <paramref name="max"/>.</summary>
    public static List<Detection> OrderAndCap(List<Detection> detections, int max)
    {
        var indexed = new List<(Detection D, int Index)>();
        for (int i = 0; i < detections.Count; i++)
        {
            indexed.Add((detections[i], i));
        }

        indexed.Sort((x, y) => x.D.Score != y.D.Score ? y.D.Score.CompareTo(x.D.Score) : x.Index.CompareTo(y.Index));
        var result = new List<Detection>();
        for (int i = 0; i < indexed.Count && i < max; i++)
        {
            result.Add(indexed[i].D);
        }

        return result;
    }
}
