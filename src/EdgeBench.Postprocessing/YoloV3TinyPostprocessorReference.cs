using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Straightforward YOLOv3-tiny decode: every anchor of every cell decoded, σ for every class, a list per class, sort,
/// O(n²) NMS. Baseline and oracle for <see cref="YoloV3TinyPostprocessor"/> (same ordering contract).
/// </summary>
internal sealed class YoloV3TinyPostprocessorReference(DecodeOptions? options = null)
{
    private readonly DecodeOptions _options = options ?? DecodeOptions.Default;
    private readonly YoloV3TinyLayout _layout = new(options ?? DecodeOptions.Default);

    public List<Detection> Process(ReadOnlySpan<float> coarse, ReadOnlySpan<float> fine, int batchSize)
    {
        int classes = _layout.ClassCount;
        float threshold = _options.YoloConfidenceThreshold;
        var result = new List<Detection>();
        for (int n = 0; n < batchSize; n++)
        {
            var boxes = new BoundingBox[_layout.TotalBoxes];
            var perClass = new List<(int Box, float Score)>[classes];
            for (int c = 0; c < classes; c++)
            {
                perClass[c] = [];
            }

            for (int headIndex = 0; headIndex < 2; headIndex++)
            {
                int length = _layout.HeadLength(headIndex);
                ReadOnlySpan<float> head = (headIndex == 0 ? coarse : fine).Slice(n * length, length);
                int plane = _layout.Grid[headIndex] * _layout.Grid[headIndex];
                for (int a = 0; a < _layout.AnchorsPerHead; a++)
                {
                    for (int cell = 0; cell < plane; cell++)
                    {
                        int box = _layout.BoxOffset[headIndex] + (a * plane) + cell;
                        boxes[box] = _layout.Decode(head, headIndex, a, cell);
                        int anchorBase = a * _layout.Channels * plane;
                        float objectness = BoxMath.Sigmoid(head[anchorBase + (4 * plane) + cell]);
                        for (int c = 0; c < classes; c++)
                        {
                            float confidence = objectness * BoxMath.Sigmoid(head[anchorBase + ((5 + c) * plane) + cell]);
                            if (objectness > threshold && confidence > threshold)
                            {
                                perClass[c].Add((box, confidence));
                            }
                        }
                    }
                }
            }

            var kept = new List<Detection>();
            for (int c = 0; c < classes; c++)
            {
                List<(int Box, float Score)> candidates = perClass[c];
                candidates.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Box.CompareTo(y.Box));
                foreach ((int box, float s) in NmsReference.Greedy(candidates, boxes, _options.YoloIouThreshold, _options.YoloOverlapRule))
                {
                    kept.Add(new Detection(boxes[box], c, s, n));
                }
            }

            result.AddRange(NmsReference.OrderAndCap(kept, _options.YoloMaxDetections));
        }

        return result;
    }
}
