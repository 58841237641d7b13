using EdgeBench.Core.Detection;

namespace EdgeBench.Postprocessing;

/// <summary>
/// Where the values of one box live in an Ultralytics head output of one image: <see cref="ChannelMajor"/> is
/// [channels, anchors] (YOLOv8's export, [4+C, A]), otherwise [anchors, channels] (YOLOv5's [A, 5+C] and the transposed
/// YOLOv8 form). Channels 0..3 are cx, cy, w, h in input pixels; then YOLOv5's objectness; then the C class scores.
/// Boxes are returned relative to the input (0..1), as every EdgeBench head returns them.
/// </summary>
internal sealed class UltralyticsLayout
{
    private UltralyticsLayout(bool channelMajor, int anchors, int classCount, bool objectness, int inputWidth, int inputHeight)
    {
        ChannelMajor = channelMajor;
        Anchors = anchors;
        ClassCount = classCount;
        HasObjectness = objectness;
        ClassOffset = objectness ? 5 : 4;
        Channels = ClassOffset + classCount;
        InputWidth = inputWidth;
        InputHeight = inputHeight;
        if (classCount - 1 > DetectionAssembler.MaxClassId || anchors - 1 > DetectionAssembler.MaxBoxIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(anchors), $"{classCount} classes over {anchors} anchors is more than the candidate key holds.");
        }
    }

    public bool ChannelMajor { get; }

    /// <summary>A: boxes per image (8400 for a 640x640 YOLOv8, 25200 for a 640x640 YOLOv5).</summary>
    public int Anchors { get; }

    public int ClassCount { get; }

    /// <summary>Whether channel 4 is an objectness score (YOLOv5).</summary>
    public bool HasObjectness { get; }

    /// <summary>Channel of class 0: 4 (YOLOv8) or 5 (YOLOv5).</summary>
    public int ClassOffset { get; }

    /// <summary>Values per box: 4+C or 5+C.</summary>
    public int Channels { get; }

    public int InputWidth { get; }

    public int InputHeight { get; }

    /// <summary>Elements of one image's output.</summary>
    public int ImageLength => Channels * Anchors;

    /// <summary>
    /// The YOLOv8 layout of an output shaped [N, d1, d2]. The dimension that equals 4+C holds the channels. C is
    /// <paramref name="classCount"/> when known (a sidecar's <c>class_names</c>); otherwise the smaller dimension is
    /// taken as 4+C, since anchors outnumber channels in every export (8400 vs 84 at 640). When both dimensions could
    /// be the channels (d1 = d2), [N, 4+C, A], the form Ultralytics exports, is assumed.
    /// </summary>
    public static UltralyticsLayout YoloV8(IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, int? classCount)
    {
        (int d1, int d2) = ImageDims(outputShape, "YOLOv8");
        bool channelMajor;
        if (classCount is int c)
        {
            channelMajor = d1 == 4 + c || d2 != 4 + c;
            if (d1 != 4 + c && d2 != 4 + c)
            {
                throw new ArgumentException($"YOLOv8 output [N,{d1},{d2}] has no dimension of 4 + {c} classes = {4 + c}; expected [N,4+C,A] or [N,A,4+C].", nameof(outputShape));
            }
        }
        else
        {
            channelMajor = d1 <= d2;
        }

        int channels = channelMajor ? d1 : d2;
        if (channels < 5)
        {
            throw new ArgumentException($"YOLOv8 output [N,{d1},{d2}] has fewer than 4 box values + 1 class per anchor.", nameof(outputShape));
        }

        return new UltralyticsLayout(channelMajor, channelMajor ? d2 : d1, channels - 4, objectness: false, inputWidth, inputHeight);
    }

    /// <summary>The YOLOv5 layout of an output shaped [N, A, 5+C] (<paramref name="classCount"/>, when known, must match).</summary>
    public static UltralyticsLayout YoloV5(IReadOnlyList<long> outputShape, int inputWidth, int inputHeight, int? classCount)
    {
        (int anchors, int channels) = ImageDims(outputShape, "YOLOv5");
        if (channels < 6 || (classCount is int c && channels != 5 + c))
        {
            string expected = classCount is int k ? $"5 + {k} classes = {5 + k}" : "at least 6 (4 box values, objectness, 1 class)";
            throw new ArgumentException($"YOLOv5 output [N,{anchors},{channels}] must be [N,A,5+C]: the last dimension is {channels}, expected {expected}.", nameof(outputShape));
        }

        return new UltralyticsLayout(channelMajor: false, anchors, channels - 5, objectness: true, inputWidth, inputHeight);
    }

    /// <summary>Box <paramref name="anchor"/> of one image's output as relative ltrb.</summary>
    public BoundingBox Decode(ReadOnlySpan<float> image, int anchor)
    {
        int stride = ChannelMajor ? Anchors : 1;
        int origin = ChannelMajor ? anchor : anchor * Channels;
        return BoxMath.DecodeCenterSize(
            image[origin], image[origin + stride], image[origin + (2 * stride)], image[origin + (3 * stride)], InputWidth, InputHeight);
    }

    /// <summary>Class score c of box <paramref name="anchor"/>.</summary>
    public float ClassScore(ReadOnlySpan<float> image, int anchor, int c) =>
        ChannelMajor ? image[((ClassOffset + c) * Anchors) + anchor] : image[(anchor * Channels) + ClassOffset + c];

    private static (int D1, int D2) ImageDims(IReadOnlyList<long> shape, string head)
    {
        if (shape.Count != 3 || shape[1] <= 0 || shape[2] <= 0 || shape[1] > int.MaxValue || shape[2] > int.MaxValue)
        {
            throw new ArgumentException($"A {head} output must have 3 dimensions [N,d1,d2] of positive sizes; got [{string.Join(',', shape)}].", nameof(shape));
        }

        return ((int)shape[1], (int)shape[2]);
    }
}
