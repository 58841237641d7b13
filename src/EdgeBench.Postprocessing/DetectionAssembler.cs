using System.Runtime.CompilerServices;
using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>Turns a box index into a decoded box; implemented by ref structs over one image's model output.</summary>
internal interface IBoxSource
{
    BoundingBox Decode(int box);
}

/// <summary>
/// The common back half of the detectors: collect (class, box, score) candidates, then per class sort, keep the top-k,
/// decode only those boxes, run greedy NMS, and finally order all survivors by score and cap them. Owns growable scratch
/// arrays, so after the first frames of a given size nothing is allocated.
/// </summary>
internal sealed class DetectionAssembler
{
    // Candidate key layout (63 bits, sorted ascending): class (11 bits) | inverted score bits (31) | box index (21).
    // One ascending sort then groups by class, orders by score descending, and breaks ties by lower box index.
    private const int ClassShift = 52;
    private const int ScoreShift = 21;
    private const long BoxMask = (1L << ScoreShift) - 1;
    private const long ScoreMask = (1L << 31) - 1;

    /// <summary>Largest class id the key can hold.</summary>
    public const int MaxClassId = (1 << 11) - 1;

    /// <summary>Largest box index the key can hold.</summary>
    public const int MaxBoxIndex = (int)BoxMask;

    private long[] _keys = new long[1024];
    private int _count;

    private BoundingBox[] _classBoxes = new BoundingBox[256];
    private float[] _classAreas = new float[256];
    private int[] _classKeep = new int[256];

    private BoundingBox[] _keptBoxes = new BoundingBox[1024];
    private int[] _keptClasses = new int[1024];
    private float[] _keptScores = new float[1024];
    private long[] _keptKeys = new long[1024];
    private int[] _keptOrder = new int[1024];

    public int Count => _count;

    public void Reset() => _count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int classId, int box, float score)
    {
        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
        }

        _keys[_count++] = ((long)classId << ClassShift) | ((int.MaxValue - (long)BitConverter.SingleToInt32Bits(score)) << ScoreShift) | (uint)box;
    }

    /// <summary>Runs per-class top-k + NMS + final ordering and appends the detections of one image to <paramref name="output"/>.</summary>
    /// <param name="source">Decodes a box index on demand.</param>
    /// <param name="perClassTopK">Only this many best candidates of each group enter NMS.</param>
    /// <param name="iouThreshold">NMS overlap threshold.</param>
    /// <param name="rule">Whether IoU equal to the threshold suppresses.</param>
    /// <param name="maxDetections">Cap on the image's detections.</param>
    /// <param name="batchIndex">The image's index in the batch.</param>
    /// <param name="output">Receives the detections.</param>
    /// <param name="labels">
    /// Empty: the group id given to <see cref="Add"/> is the class. Otherwise the class of box b is labels[b] and the
    /// group id only decides which candidates NMS compares (one group for class-agnostic NMS).
    /// </param>
    /// <param name="tieByBox">
    /// Final order of equal scores: false, lower group then NMS order; true, lower box index (for heads with at most one
    /// candidate per box, where that is a total order whatever the grouping).
    /// </param>
    public void Emit<TSource>(
        ref TSource source, int perClassTopK, float iouThreshold, NmsOverlapRule rule, int maxDetections, int batchIndex, List<Detection> output,
        ReadOnlySpan<int> labels = default, bool tieByBox = false)
        where TSource : IBoxSource, allows ref struct
    {
        Span<long> keys = _keys.AsSpan(0, _count);
        keys.Sort();

        int kept = 0;
        int i = 0;
        while (i < keys.Length)
        {
            int classId = (int)(keys[i] >> ClassShift);
            int end = i + 1;
            while (end < keys.Length && (int)(keys[end] >> ClassShift) == classId)
            {
                end++;
            }

            int n = Math.Min(end - i, perClassTopK);
            EnsureClassCapacity(n);
            for (int m = 0; m < n; m++)
            {
                BoundingBox box = source.Decode((int)(keys[i + m] & BoxMask));
                _classBoxes[m] = box;
                _classAreas[m] = box.Area;
            }

            int keptInClass = Nms.SuppressSorted(_classBoxes.AsSpan(0, n), _classAreas.AsSpan(0, n), iouThreshold, rule, _classKeep.AsSpan(0, n));
            EnsureKeptCapacity(kept + keptInClass);
            for (int m = 0; m < keptInClass; m++)
            {
                int local = _classKeep[m];
                float score = ScoreOf(keys[i + local]);
                int boxIndex = (int)(keys[i + local] & BoxMask);
                _keptBoxes[kept] = _classBoxes[local];
                _keptClasses[kept] = labels.IsEmpty ? classId : labels[boxIndex];
                _keptScores[kept] = score;

                // Ties in the final order: lower class first, then NMS order (which is by box index); or the box index.
                _keptKeys[kept] = BoxMath.ScoreKey(score, tieByBox ? boxIndex : kept);
                _keptOrder[kept] = kept;
                kept++;
            }

            i = end;
        }

        // With the box index as tie-break the key no longer names the kept slot, so the slots are sorted alongside;
        // the SSD and YOLOv3-tiny heads keep the cheaper keys-only sort.
        Span<long> finalKeys = _keptKeys.AsSpan(0, kept);
        Span<int> order = _keptOrder.AsSpan(0, kept);
        if (tieByBox)
        {
            finalKeys.Sort(order);
        }
        else
        {
            finalKeys.Sort();
        }

        int emit = Math.Min(kept, maxDetections);
        for (int m = 0; m < emit; m++)
        {
            int k = tieByBox ? order[m] : (int)(finalKeys[m] & uint.MaxValue);
            output.Add(new Detection(_keptBoxes[k], _keptClasses[k], _keptScores[k], batchIndex));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ScoreOf(long key)
        => BitConverter.Int32BitsToSingle(int.MaxValue - (int)((key >> ScoreShift) & ScoreMask));

    private void EnsureClassCapacity(int n)
    {
        if (_classBoxes.Length < n)
        {
            int size = Math.Max(n, _classBoxes.Length * 2);
            _classBoxes = new BoundingBox[size];
            _classAreas = new float[size];
            _classKeep = new int[size];
        }
    }

    private void EnsureKeptCapacity(int n)
    {
        if (_keptBoxes.Length < n)
        {
            int size = Math.Max(n, _keptBoxes.Length * 2);
            Array.Resize(ref _keptBoxes, size);
            Array.Resize(ref _keptClasses, size);
            Array.Resize(ref _keptScores, size);
            Array.Resize(ref _keptKeys, size);
            Array.Resize(ref _keptOrder, size);
        }
    }
}
