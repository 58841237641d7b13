using EdgeBench.Postprocessing;
using static TorchSharp.torch;

namespace EdgeBench.Inference.TorchSharp.Pipeline;

/// <summary>
/// Class-aware greedy NMS in libtorch ops, as torchvision's <c>batched_nms</c> does it (torchvision's C++ op is not
/// available to .NET here: the TorchVision 0.107 NuGet package is not in the offline feed, and its managed
/// <c>ops</c> have box_iou but no compiled NMS kernel). The pairwise IoU matrix and the "overlaps above the threshold
/// within the same class" mask are computed with tensor ops; the greedy sweep over that mask runs on the host, as
/// torchvision's CUDA kernel sweeps its device-computed bit mask on the host. Same result as
/// <see cref="Nms.SuppressSorted"/> applied per class (tested): boxes visited by descending score (ties: earlier
/// candidate first), a box kept unless a kept box of its class overlaps it per the rule.
/// </summary>
/// <remarks>
/// Up to <see cref="DefaultMatrixLimit"/> candidates one K×K matrix covers every class at once (a handful of ops,
/// torchvision's coordinate-offset trick without its float offset error: the class test is exact); above it the
/// classes are taken one at a time (torchvision's <c>_batched_nms_vanilla</c>), so memory stays per class.
/// </remarks>
internal sealed class TorchNms
{
    /// <summary>Candidates up to which one all-classes IoU matrix is used (4 MB of fp32 at 1024).</summary>
    public const int DefaultMatrixLimit = 1024;

    private readonly HostScratch<byte> _mask = new();
    private readonly HostScratch<long> _classes = new();
    private readonly List<long> _kept = new(256);
    private bool[] _removed = new bool[256];
    private int[] _visited = new int[128];

    public int MatrixLimit { get; init; } = DefaultMatrixLimit;

    /// <summary>
    /// Indices into the K candidates that survive, best score first (ties: lower class, then candidate order), at most
    /// <paramref name="maxKeep"/>. Only the <paramref name="perClassTopK"/> best of each class take part.
    /// </summary>
    /// <param name="boxes">K×4 ltrb, float32.</param>
    /// <param name="scores">K, float32.</param>
    /// <param name="classes">K class ids (int64, non-negative).</param>
    /// <param name="iouThreshold">Overlap threshold.</param>
    /// <param name="rule">Whether an IoU equal to the threshold suppresses.</param>
    /// <param name="perClassTopK">Candidates per class that enter NMS, best first.</param>
    /// <param name="maxKeep">Cap on survivors over all classes.</param>
    /// <returns>A new int64 tensor (in the caller's dispose scope).</returns>
    public Tensor Run(Tensor boxes, Tensor scores, Tensor classes, float iouThreshold, NmsOverlapRule rule, int perClassTopK, int maxKeep)
    {
        long count = scores.shape[0];
        Tensor order = scores.sort(dim: 0, descending: true, stable: true).Indices;
        _kept.Clear();
        if (count <= MatrixLimit)
        {
            Tensor b = boxes.index_select(0, order);
            Tensor c = classes.index_select(0, order);
            Tensor suppress = Overlaps(b, iouThreshold, rule).logical_and_(c.unsqueeze(1).eq(c.unsqueeze(0)));
            Sweep(_mask.Fetch(suppress), (int)count, _classes.Fetch(c), perClassTopK, maxKeep, offset: 0);
            using Tensor kept = tensor(_kept.ToArray(), ScalarType.Int64);
            return order.index_select(0, kept);
        }

        // Class-major (stable: descending score stays within a class), then each class on its own.
        Tensor byClass = classes.index_select(0, order).sort(dim: 0, stable: true).Indices;
        order = order.index_select(0, byClass);
        Tensor sortedBoxes = boxes.index_select(0, order);
        ReadOnlySpan<long> sortedClasses = _classes.Fetch(classes.index_select(0, order));
        int start = 0;
        while (start < sortedClasses.Length)
        {
            int end = start + 1;
            while (end < sortedClasses.Length && sortedClasses[end] == sortedClasses[start])
            {
                end++;
            }

            int n = Math.Min(end - start, perClassTopK);
            Tensor suppress = Overlaps(sortedBoxes.narrow(0, start, n), iouThreshold, rule);
            Sweep(_mask.Fetch(suppress), n, default, int.MaxValue, int.MaxValue, offset: start);
            start = end;
        }

        using Tensor keptTensor = tensor(_kept.ToArray(), ScalarType.Int64);
        Tensor survivors = order.index_select(0, keptTensor);

        // Kept boxes are class-major; a stable sort by score gives the final order with ties to the lower class.
        Tensor best = scores.index_select(0, survivors).sort(dim: 0, descending: true, stable: true).Indices;
        return survivors.index_select(0, best.narrow(0, 0, Math.Min(best.shape[0], maxKeep)));
    }

    /// <summary>K×K bool: box i overlaps box j enough to suppress it (IoU computed as BoxMath.IoU does).</summary>
    private static Tensor Overlaps(Tensor boxes, float threshold, NmsOverlapRule rule)
    {
        Tensor lt = maximum(boxes.narrow(1, 0, 2).unsqueeze(1), boxes.narrow(1, 0, 2).unsqueeze(0));
        Tensor rb = minimum(boxes.narrow(1, 2, 2).unsqueeze(1), boxes.narrow(1, 2, 2).unsqueeze(0));
        Tensor wh = (rb - lt).clamp_min(0);
        Tensor inter = wh.select(2, 0) * wh.select(2, 1);
        Tensor size = (boxes.narrow(1, 2, 2) - boxes.narrow(1, 0, 2)).clamp_min(0);
        Tensor area = size.select(1, 0) * size.select(1, 1);
        Tensor iou = inter / (area.unsqueeze(1) + area.unsqueeze(0) - inter);
        return rule == NmsOverlapRule.SuppressAtOrAbove ? iou.ge(threshold) : iou.gt(threshold);
    }

    /// <summary>Greedy pass over the row-major n×n mask; kept positions (plus <paramref name="offset"/>) go to _kept.</summary>
    private void Sweep(ReadOnlySpan<byte> mask, int n, ReadOnlySpan<long> classes, int perClassTopK, int maxKeep, int offset)
    {
        if (_removed.Length < n)
        {
            _removed = new bool[Math.Max(n, 2 * _removed.Length)];
        }

        Span<bool> removed = _removed.AsSpan(0, n);
        removed.Clear();
        bool topK = perClassTopK < n && classes.Length == n;
        if (topK)
        {
            _visited.AsSpan().Clear();
        }

        int kept = 0;
        for (int i = 0; i < n && kept < maxKeep; i++)
        {
            if (topK)
            {
                int c = (int)classes[i];
                if (c >= _visited.Length)
                {
                    Array.Resize(ref _visited, Math.Max(c + 1, 2 * _visited.Length));
                }

                // Only the class's best perClassTopK candidates exist for NMS (suppressed or not), as the SSD reference.
                if (++_visited[c] > perClassTopK)
                {
                    continue;
                }
            }

            if (removed[i])
            {
                continue;
            }

            _kept.Add(offset + i);
            kept++;
            ReadOnlySpan<byte> row = mask.Slice(i * n, n);
            for (int j = i + 1; j < n; j++)
            {
                removed[j] |= row[j] != 0;
            }
        }
    }
}
