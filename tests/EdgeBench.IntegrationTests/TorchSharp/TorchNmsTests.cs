using EdgeBench.Core.Detection;
using EdgeBench.Inference.TorchSharp.Pipeline;
using EdgeBench.Postprocessing;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>
/// The libtorch class-aware NMS against EdgeBench's <see cref="Nms.SuppressSorted"/> applied class by class, on random
/// clustered boxes: the same survivors in the same order (exactly: random scores have no ties). The torch
/// NMS's ordering and class grouping are exercised with several classes, top-k and caps.
/// </summary>
public sealed class TorchNmsTests
{
    [Theory]
    [InlineData(1, 300, 5, 0.5f, NmsOverlapRule.SuppressAtOrAbove, 200, 200)]
    [InlineData(2, 600, 12, 0.5f, NmsOverlapRule.SuppressAtOrAbove, 20, 50)]
    [InlineData(3, 600, 12, 0.45f, NmsOverlapRule.SuppressAbove, int.MaxValue, 300)]
    [InlineData(4, 900, 30, 0.5f, NmsOverlapRule.SuppressAtOrAbove, 10, 40)]
    [InlineData(5, 1, 1, 0.5f, NmsOverlapRule.SuppressAbove, int.MaxValue, 300)]
    public void Matches_per_class_greedy_nms(int seed, int count, int classes, float iou, NmsOverlapRule rule, int perClassTopK, int maxKeep)
    {
        if (!TorchSharpBackendTests.TorchSharpExpected())
        {
            return;
        }

        var random = new Random(seed);
        var boxes = new BoundingBox[count];
        float[] scores = new float[count];
        long[] labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            // Boxes around 8 centres so that many overlap; random sizes.
            float cx = (random.Next(8) / 8f) + (0.02f * random.NextSingle()), cy = (random.Next(8) / 8f) + (0.02f * random.NextSingle());
            float w = 0.05f + (0.1f * random.NextSingle()), h = 0.05f + (0.1f * random.NextSingle());
            boxes[i] = new BoundingBox(cx - w, cy - h, cx + w, cy + h);
            scores[i] = random.NextSingle();
            labels[i] = random.Next(classes);
        }

        long[] expected = Reference(boxes, scores, labels, iou, rule, perClassTopK, maxKeep);

        using DisposeScope scope = NewDisposeScope();
        Tensor boxTensor = tensor(boxes.SelectMany(b => new[] { b.Left, b.Top, b.Right, b.Bottom }).ToArray(), [count, 4]);
        Tensor keep = new TorchNms().Run(boxTensor, tensor(scores), tensor(labels), iou, rule, perClassTopK, maxKeep);
        long[] actual = keep.data<long>().ToArray();
        Assert.Equal(expected, actual);
    }

    private static long[] Reference(BoundingBox[] boxes, float[] scores, long[] labels, float iou, NmsOverlapRule rule, int perClassTopK, int maxKeep)
    {
        var kept = new List<(long Index, float Score, long Label)>();
        foreach (IGrouping<long, int> cls in Enumerable.Range(0, boxes.Length).GroupBy(i => labels[i]))
        {
            int[] sorted = cls.OrderByDescending(i => scores[i]).ThenBy(i => i).Take(perClassTopK).ToArray();
            BoundingBox[] b = sorted.Select(i => boxes[i]).ToArray();
            float[] areas = b.Select(x => x.Area).ToArray();
            int[] keep = new int[b.Length];
            int n = Nms.SuppressSorted(b, areas, iou, rule, keep);
            kept.AddRange(keep.Take(n).Select(k => ((long)sorted[k], scores[sorted[k]], labels[sorted[k]])));
        }

        return kept.OrderByDescending(k => k.Score).ThenBy(k => k.Label).Take(maxKeep).Select(k => k.Index).ToArray();
    }
}
