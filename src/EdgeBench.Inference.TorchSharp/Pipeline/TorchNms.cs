using EdgeBench.Core.Detection;
using EdgeBench.Postprocessing;
using static TorchSharp.torch;

namespace EdgeBench.Inference.TorchSharp.Pipeline;

/// <summary>
/// Class-aware greedy NMS as torchvision's <c>batched_nms</c> runs it on a CPU. torchvision's op is not available to
/// .NET here (the TorchVision 0.107 NuGet package is not in the offline feed, and its managed <c>ops</c> have no NMS
/// kernel), so: ordering, class grouping and the final selection are libtorch ops (stable sorts, index_select), and
/// the greedy pass is the loop of torchvision's CPU kernel (<c>nms_kernel_impl</c>: boxes by descending score, IoU
/// computed on the fly against each kept box, a suppressed flag per box) over the boxes copied to host memory once.
/// Same result as <see cref="Nms.SuppressSorted"/> applied per class (tested).
/// </summary>
/// <remarks>
/// A first version built the K×K IoU matrix with tensor ops and swept it; with YOLOv3-tiny's uncalibrated heads
/// (tens of thousands of candidates per frame) that took ~9 s per frame, so the matrix form is gone.
/// </remarks>
internal sealed class TorchNms
{
    private readonly HostScratch<float> _boxes = new();
    private readonly HostScratch<long> _classes = new();
    private readonly List<long> _kept = new(256);
    private bool[] _suppressed = new bool[256];

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
        // Descending score, then class-major; both sorts stable, so within a class the order is by score, ties by index.
        Tensor order = scores.sort(dim: 0, descending: true, stable: true).Indices;
        order = order.index_select(0, classes.index_select(0, order).sort(dim: 0, stable: true).Indices);
        ReadOnlySpan<float> b = _boxes.Fetch(boxes.index_select(0, order));
        ReadOnlySpan<long> c = _classes.Fetch(classes.index_select(0, order));
        _kept.Clear();
        int start = 0;
        while (start < c.Length)
        {
            int end = start + 1;
            while (end < c.Length && c[end] == c[start])
            {
                end++;
            }

            Greedy(b, start, Math.Min(end - start, perClassTopK), iouThreshold, rule);
            start = end;
        }

        using Tensor kept = tensor(_kept.ToArray(), ScalarType.Int64);
        Tensor survivors = order.index_select(0, kept);

        // Survivors are class-major; a stable sort by score gives the final order with ties to the lower class.
        Tensor best = scores.index_select(0, survivors).sort(dim: 0, descending: true, stable: true).Indices;
        return survivors.index_select(0, best.narrow(0, 0, Math.Min(best.shape[0], maxKeep)));
    }

    /// <summary>torchvision's CPU NMS loop over boxes [start, start + n) of one class, best first.</summary>
    private void Greedy(ReadOnlySpan<float> boxes, int start, int n, float threshold, NmsOverlapRule rule)
    {
        if (_suppressed.Length < n)
        {
            _suppressed = new bool[Math.Max(n, 2 * _suppressed.Length)];
        }

        Span<bool> suppressed = _suppressed.AsSpan(0, n);
        suppressed.Clear();
        for (int i = 0; i < n; i++)
        {
            if (suppressed[i])
            {
                continue;
            }

            _kept.Add(start + i);
            BoundingBox kept = Box(boxes, start + i);
            float keptArea = kept.Area;
            for (int j = i + 1; j < n; j++)
            {
                if (!suppressed[j])
                {
                    BoundingBox other = Box(boxes, start + j);
                    suppressed[j] = BoxMath.Suppresses(BoxMath.IoU(kept, keptArea, other, other.Area), threshold, rule);
                }
            }
        }
    }

    private static BoundingBox Box(ReadOnlySpan<float> boxes, int index) =>
        new(boxes[4 * index], boxes[(4 * index) + 1], boxes[(4 * index) + 2], boxes[(4 * index) + 3]);
}
