using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>Greedy non-maximum suppression over boxes of one class that are already sorted by descending score.</summary>
public static class Nms
{
    /// <summary>
    /// Greedy NMS: walk the boxes best first; keep a box unless a kept box overlaps it by the threshold (per
    /// <paramref name="rule"/>). Equivalent to NVIDIA's <c>decode_single</c> loop and darknet's <c>do_nms_sort</c>.
    /// Allocation-free; O(n·kept).
    /// </summary>
    /// <param name="sortedBoxes">Boxes of one class, best score first.</param>
    /// <param name="areas">Precomputed <see cref="BoundingBox.Area"/> of each box.</param>
    /// <param name="iouThreshold">Overlap threshold.</param>
    /// <param name="rule">Whether an IoU equal to the threshold suppresses.</param>
    /// <param name="keep">Receives the indices (into <paramref name="sortedBoxes"/>) of kept boxes, in order.</param>
    /// <param name="maxKeep">Stop after this many kept boxes.</param>
    /// <returns>The number of kept boxes written to <paramref name="keep"/>.</returns>
    public static int SuppressSorted(ReadOnlySpan<BoundingBox> sortedBoxes, ReadOnlySpan<float> areas, float iouThreshold, NmsOverlapRule rule, Span<int> keep, int maxKeep = int.MaxValue)
    {
        if (areas.Length < sortedBoxes.Length)
        {
            throw new ArgumentException("Need one area per box.", nameof(areas));
        }

        int limit = Math.Min(maxKeep, Math.Min(keep.Length, sortedBoxes.Length));
        int kept = 0;

        // Compare each candidate only against the boxes kept so far: a suppressed box can never suppress another,
        // so this is the same result as the reference's "remove everything overlapping the pick" loop, with less work
        // when most candidates are suppressed.
        for (int i = 0; i < sortedBoxes.Length && kept < limit; i++)
        {
            ref readonly BoundingBox candidate = ref sortedBoxes[i];
            float candidateArea = areas[i];
            bool suppressed = false;
            for (int k = 0; k < kept; k++)
            {
                int j = keep[k];
                if (BoxMath.Suppresses(BoxMath.IoU(sortedBoxes[j], areas[j], candidate, candidateArea), iouThreshold, rule))
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                keep[kept++] = i;
            }
        }

        return kept;
    }
}
