using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// The straightforward port of Ultralytics' <c>non_max_suppression</c> for YOLOv8 and YOLOv5 outputs, written as a
/// typical port would be: every box decoded, every score of every box read, a list per class (one list when
/// class-agnostic), sort, O(n²) greedy NMS. Baseline for the benchmarks and oracle for
/// <see cref="YoloV8Postprocessor"/> / <see cref="YoloV5Postprocessor"/> (same semantics and ordering contract).
/// </summary>
internal sealed class UltralyticsPostprocessorReference
{
    private readonly UltralyticsLayout _layout;
    private readonly DecodeOptions _options;

    private UltralyticsPostprocessorReference(UltralyticsLayout layout, DecodeOptions options)
    {
        _layout = layout;
        _options = options;
    }

    public static UltralyticsPostprocessorReference YoloV8(IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, DecodeOptions? options = null)
    {
        DecodeOptions o = options ?? DecodeOptions.Default;
        return new(UltralyticsLayout.YoloV8(outputShape, inputWidth, inputHeight, o.UltralyticsClassCount), o);
    }

    public static UltralyticsPostprocessorReference YoloV5(IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, DecodeOptions? options = null)
    {
        DecodeOptions o = options ?? DecodeOptions.Default;
        return new(UltralyticsLayout.YoloV5(outputShape, inputWidth, inputHeight, o.UltralyticsClassCount), o);
    }

    public List<Detection> Process(ReadOnlySpan<float> outputs, int batchSize)
    {
        int length = _layout.ImageLength;
        float threshold = _options.UltralyticsScoreThreshold;
        var result = new List<Detection>();
        for (int n = 0; n < batchSize; n++)
        {
            ReadOnlySpan<float> image = outputs.Slice(n * length, length);
            var boxes = new BoundingBox[_layout.Anchors];
            var labels = new int[_layout.Anchors];
            var groups = new Dictionary<int, List<(int Box, float Score)>>();
            for (int anchor = 0; anchor < _layout.Anchors; anchor++)
            {
                boxes[anchor] = _layout.Decode(image, anchor);

                // Best class: the first of equal maxima.
                int best = 0;
                for (int c = 1; c < _layout.ClassCount; c++)
                {
                    if (_layout.ClassScore(image, anchor, c) > _layout.ClassScore(image, anchor, best))
                    {
                        best = c;
                    }
                }

                float score = _layout.ClassScore(image, anchor, best);
                if (_layout.HasObjectness)
                {
                    float objectness = _layout.ChannelMajor ? image[(4 * _layout.Anchors) + anchor] : image[(anchor * _layout.Channels) + 4];
                    if (!(objectness > threshold))
                    {
                        continue;
                    }

                    score = objectness * score;
                }

                if (score > threshold)
                {
                    labels[anchor] = best;
                    int group = _options.UltralyticsClassAgnostic ? 0 : best;
                    if (!groups.TryGetValue(group, out List<(int Box, float Score)>? list))
                    {
                        groups[group] = list = [];
                    }

                    list.Add((anchor, score));
                }
            }

            var kept = new List<(int Box, float Score)>();
            foreach (List<(int Box, float Score)> candidates in groups.Values)
            {
                candidates.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Box.CompareTo(y.Box));
                kept.AddRange(NmsReference.Greedy(candidates, boxes, _options.UltralyticsIouThreshold, _options.UltralyticsOverlapRule));
            }

            kept.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Box.CompareTo(y.Box));
            foreach ((int box, float score) in kept.Take(_options.UltralyticsMaxDetections))
            {
                result.Add(new Detection(boxes[box], labels[box], score, n));
            }
        }

        return result;
    }
}
