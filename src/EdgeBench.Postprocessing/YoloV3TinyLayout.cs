using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Geometry of the two YOLOv3-tiny heads, resolved once from <see cref="DecodeOptions"/>: head 0 is stride 32
/// (13×13 at 416), head 1 stride 16 (26×26). Each head is N×(A·(5+C))×G×G, anchor-major: anchor a owns channels
/// a·(5+C) … a·(5+C)+4+C as tx, ty, tw, th, objectness, class logits. A global box index runs over
/// (head, anchor, cell) in that order, which both the fast and the naive path use for tie-breaking.
/// </summary>
internal sealed class YoloV3TinyLayout
{
    public YoloV3TinyLayout(DecodeOptions options)
    {
        InputSize = options.YoloInputSize;
        ClassCount = options.YoloClassCount;
        Channels = 5 + ClassCount;
        Grid = [InputSize / 32, InputSize / 16];
        IReadOnlyList<int>[] masks = [options.YoloCoarseMask, options.YoloFineMask];
        AnchorsPerHead = masks[0].Count;
        if (masks[1].Count != AnchorsPerHead)
        {
            throw new ArgumentException("Both YOLO heads need the same number of anchors.", nameof(options));
        }

        AnchorW = new float[2 * AnchorsPerHead];
        AnchorH = new float[2 * AnchorsPerHead];
        BoxOffset = new int[3];
        for (int head = 0; head < 2; head++)
        {
            for (int a = 0; a < AnchorsPerHead; a++)
            {
                int anchor = masks[head][a];
                AnchorW[(head * AnchorsPerHead) + a] = options.YoloAnchors[2 * anchor];
                AnchorH[(head * AnchorsPerHead) + a] = options.YoloAnchors[(2 * anchor) + 1];
            }

            BoxOffset[head + 1] = BoxOffset[head] + (AnchorsPerHead * Grid[head] * Grid[head]);
        }
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>5 + classes (85 for COCO).</summary>
    public int Channels { get; }

    public int AnchorsPerHead { get; }

    public int[] Grid { get; }

    /// <summary>Anchor sizes in input pixels, indexed head·A + a.</summary>
    public float[] AnchorW { get; }

    public float[] AnchorH { get; }

    /// <summary>First global box index of each head; the last entry is the total.</summary>
    public int[] BoxOffset { get; }

    public int TotalBoxes => BoxOffset[2];

    /// <summary>Elements per image of a head.</summary>
    public int HeadLength(int head) => AnchorsPerHead * Channels * Grid[head] * Grid[head];

    /// <summary>Darknet's <c>get_yolo_box</c>: x = (col + σ(tx))/G, w = e^tw·anchor_w/input; returned as ltrb.</summary>
    public BoundingBox Decode(ReadOnlySpan<float> head, int headIndex, int anchor, int cell)
    {
        int g = Grid[headIndex];
        int plane = g * g;
        int baseOffset = (anchor * Channels * plane) + cell;
        float x = ((cell % g) + BoxMath.Sigmoid(head[baseOffset])) / g;
        float y = ((cell / g) + BoxMath.Sigmoid(head[baseOffset + plane])) / g;
        float w = MathF.Exp(head[baseOffset + (2 * plane)]) * AnchorW[(headIndex * AnchorsPerHead) + anchor] / InputSize;
        float h = MathF.Exp(head[baseOffset + (3 * plane)]) * AnchorH[(headIndex * AnchorsPerHead) + anchor] / InputSize;
        return new BoundingBox(x - (0.5f * w), y - (0.5f * h), x + (0.5f * w), y + (0.5f * h));
    }
}
