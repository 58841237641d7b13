using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;

namespace EdgeBench.Tests.Postprocessing;

public class NmsTests
{
    [Theory]
    [InlineData(NmsOverlapRule.SuppressAtOrAbove, 0.5f)]
    [InlineData(NmsOverlapRule.SuppressAbove, 0.5f)]
    [InlineData(NmsOverlapRule.SuppressAbove, 0.45f)]
    [InlineData(NmsOverlapRule.SuppressAtOrAbove, 0.25f)]
    public void Matches_brute_force_on_random_boxes(NmsOverlapRule rule, float threshold)
    {
        var random = new Random(1234);
        var keep = new int[64];
        for (int trial = 0; trial < 500; trial++)
        {
            int n = random.Next(0, 60);
            var boxes = new BoundingBox[n];
            var scores = new float[n];
            for (int i = 0; i < n; i++)
            {
                // Coordinates on a 1/8 grid make exact IoU values (1/2, 1/4, …) frequent, and 4 score levels make ties.
                float l = random.Next(0, 8) / 8f;
                float t = random.Next(0, 8) / 8f;
                boxes[i] = new BoundingBox(l, t, l + (random.Next(1, 5) / 8f), t + (random.Next(1, 5) / 8f));
                scores[i] = random.Next(1, 5) / 4f;
            }

            // Best first; ties keep the original order (the contract the postprocessors use).
            int[] order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
            BoundingBox[] sorted = order.Select(i => boxes[i]).ToArray();
            float[] areas = sorted.Select(b => b.Area).ToArray();

            int kept = Nms.SuppressSorted(sorted, areas, threshold, rule, keep);
            Assert.Equal(BruteForce(sorted, threshold, rule), keep[..kept]);
        }
    }

    [Fact]
    public void Iou_exactly_at_threshold_follows_the_rule()
    {
        // IoU([0,0,1,1], [0,0,1,2]) = 1/2 exactly in binary floating point.
        BoundingBox[] boxes = [new(0, 0, 1, 1), new(0, 0, 1, 2)];
        float[] areas = [1, 2];
        var keep = new int[2];
        Assert.Equal(0.5f, boxes[0].IoU(boxes[1]));
        Assert.Equal(1, Nms.SuppressSorted(boxes, areas, 0.5f, NmsOverlapRule.SuppressAtOrAbove, keep));
        Assert.Equal(2, Nms.SuppressSorted(boxes, areas, 0.5f, NmsOverlapRule.SuppressAbove, keep));
    }

    [Fact]
    public void Suppressed_box_does_not_suppress_others()
    {
        // B overlaps A and C heavily, A and C do not overlap: greedy keeps A and C.
        BoundingBox[] boxes = [new(0, 0, 2, 1), new(1, 0, 3, 1), new(2, 0, 4, 1)];
        float[] areas = [2, 2, 2];
        var keep = new int[3];
        int kept = Nms.SuppressSorted(boxes, areas, 0.3f, NmsOverlapRule.SuppressAtOrAbove, keep);
        Assert.Equal([0, 2], keep[..kept]);
    }

    [Fact]
    public void MaxKeep_stops_early()
    {
        BoundingBox[] boxes = [new(0, 0, 1, 1), new(2, 2, 3, 3), new(4, 4, 5, 5)];
        float[] areas = [1, 1, 1];
        var keep = new int[3];
        Assert.Equal(2, Nms.SuppressSorted(boxes, areas, 0.5f, NmsOverlapRule.SuppressAbove, keep, maxKeep: 2));
    }

    private static int[] BruteForce(BoundingBox[] sorted, float threshold, NmsOverlapRule rule)
    {
        // Full O(n²) definition: a box survives iff no surviving better box overlaps it.
        var alive = new bool[sorted.Length];
        var result = new List<int>();
        for (int i = 0; i < sorted.Length; i++)
        {
            alive[i] = true;
            for (int j = 0; j < i; j++)
            {
                float iou = sorted[j].IoU(sorted[i]);
                bool hit = rule == NmsOverlapRule.SuppressAtOrAbove ? iou >= threshold : iou > threshold;
                if (alive[j] && hit)
                {
                    alive[i] = false;
                    break;
                }
            }

            if (alive[i])
            {
                result.Add(i);
            }
        }

        return [.. result];
    }
}

public class PerClassNmsTests
{
    [Fact]
    public void Suppresses_within_class_only_and_orders_by_score()
    {
        Detection[] candidates =
        [
            new(new BoundingBox(0, 0, 1, 1), 1, 0.6f),
            new(new BoundingBox(0, 0, 1, 1.1f), 1, 0.9f),     // suppresses the first (same class)
            new(new BoundingBox(0, 0, 1, 1), 2, 0.7f),        // other class survives
            new(new BoundingBox(5, 5, 6, 6), 1, 0.7f),        // tie with class 2 → lower class first
        ];
        var output = new List<Detection>();
        new PerClassNms().Apply(candidates, 0.5f, NmsOverlapRule.SuppressAbove, 10, output);
        Assert.Equal([candidates[1], candidates[3], candidates[2]], output);
    }

    [Fact]
    public void Rejects_non_positive_scores()
    {
        Detection[] candidates = [new(new BoundingBox(0, 0, 1, 1), 1, 0f)];
        Assert.Throws<ArgumentException>(() => new PerClassNms().Apply(candidates, 0.5f, NmsOverlapRule.SuppressAbove, 10, []));
    }
}
