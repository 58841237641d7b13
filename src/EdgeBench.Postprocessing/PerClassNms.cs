using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Class-wise greedy NMS over already decoded detections of one image, for detectors without a dedicated
/// postprocessor. Same ordering contract as the detectors: survivors by descending score, ties by lower class, then by
/// lower input index. Reuses its scratch buffers (allocation-free in steady state); not thread-safe.
/// </summary>
public sealed class PerClassNms
{
    private readonly DetectionAssembler _assembler = new();

    /// <summary>Runs NMS per class and appends at most <paramref name="maxDetections"/> survivors to <paramref name="output"/>.</summary>
    /// <param name="candidates">Detections of one image; scores must be positive, class ids in 0..2047.</param>
    /// <param name="iouThreshold">Overlap threshold.</param>
    /// <param name="rule">Whether IoU equal to the threshold suppresses.</param>
    /// <param name="maxDetections">Cap on the output.</param>
    /// <param name="output">Receives the survivors (their <see cref="Detection.BatchIndex"/> is kept from the input's first item).</param>
    public void Apply(ReadOnlySpan<Detection> candidates, float iouThreshold, NmsOverlapRule rule, int maxDetections, List<Detection> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (candidates.Length > DetectionAssembler.MaxBoxIndex + 1)
        {
            throw new ArgumentException("Too many candidates.", nameof(candidates));
        }

        _assembler.Reset();
        for (int i = 0; i < candidates.Length; i++)
        {
            Detection d = candidates[i];

            // The packed sort key needs a positive score and a small non-negative class id.
            if (!(d.Score > 0f) || (uint)d.ClassId > DetectionAssembler.MaxClassId)
            {
                throw new ArgumentException($"Candidate {i} has a non-positive score or an out-of-range class.", nameof(candidates));
            }

            _assembler.Add(d.ClassId, i, d.Score);
        }

        var source = new SpanBoxSource(candidates);
        _assembler.Emit(ref source, int.MaxValue, iouThreshold, rule, maxDetections, candidates.IsEmpty ? 0 : candidates[0].BatchIndex, output);
    }

    private readonly ref struct SpanBoxSource(ReadOnlySpan<Detection> candidates) : IBoxSource
    {
        private readonly ReadOnlySpan<Detection> _candidates = candidates;

        public BoundingBox Decode(int box) => _candidates[box].Box;
    }
}
