using EdgeBench.Models.Onnx;

namespace EdgeBench.Models.Architectures;

/// <summary>
/// NVIDIA's SSD300 v1.1 (DeepLearningExamples/PyTorch/Detection/SSD, Apache-2.0): a ResNet-50 trunk to the end of
/// conv4_x with the first conv4 block at stride 1 (38x38x1024 features), five extra blocks (19, 10, 5, 3, 1), and
/// per-map heads with 4/6/6/6/4/4 default boxes: 8732 boxes, 81 classes (background first).
/// Input [N,3,300,300]; outputs <c>locs</c> [N,4,8732] and <c>scores</c> [N,81,8732] (logits before softmax).
/// </summary>
/// <remarks>
/// The heads are reshaped as the reference's <c>bbox_view</c> does: <c>l(s).view(N, 4, -1)</c> over a
/// [N, nd*4, H, W] map, concatenated on the last axis in map order. The reference then trains the network to
/// emit boxes in that order, so the reshape is reproduced exactly rather than "fixed".
/// </remarks>
internal static class Ssd300
{
    /// <summary>Channels of the six feature maps (38, 19, 10, 5, 3, 1).</summary>
    public static readonly int[] OutChannels = [1024, 512, 512, 256, 256, 256];

    /// <summary>Default boxes per cell on each feature map.</summary>
    public static readonly int[] DefaultBoxesPerCell = [4, 6, 6, 6, 4, 4];

    /// <summary>Feature map sizes for a 300x300 input.</summary>
    public static readonly int[] FeatureMapSizes = [38, 19, 10, 5, 3, 1];

    /// <summary>Bottleneck widths of the extra blocks.</summary>
    private static readonly int[] s_extraMiddleChannels = [256, 256, 128, 128, 128];

    /// <summary>COCO's 80 classes plus background.</summary>
    public const int Classes = 81;

    /// <summary>Total default boxes: sum of size^2 * boxes-per-cell = 8732.</summary>
    public static int TotalBoxes => FeatureMapSizes.Select((s, i) => s * s * DefaultBoxesPerCell[i]).Sum();

    /// <summary>
    /// Builds the graph. The confidence heads are initialized with <paramref name="confidenceGain"/>, and
    /// <paramref name="backgroundBias"/> is added to the background class's bias in every head: together they set how
    /// many boxes pass the 0.05 score threshold (see <see cref="Zoo.ModelCatalog"/> for why and how they were chosen).
    /// </summary>
    public static void Build(OnnxGraphBuilder g, float confidenceGain, float backgroundBias)
    {
        string x = g.Input("input", -1, 3, 300, 300);

        // ResNet-50 to the end of conv4_x (torchvision children()[:7]); the first conv4 block runs at stride 1,
        // so conv4 keeps conv3's 38x38 resolution.
        const int trunkBlocks = 3 + 4 + 6;
        (x, int channels) = ResNet.Stem(g, x);
        (x, channels) = ResNet.Stage(g, x, channels, 0, 64, 3, 1, bottleneck: true, trunkBlocks);
        (x, channels) = ResNet.Stage(g, x, channels, 1, 128, 4, 2, bottleneck: true, trunkBlocks);
        (x, channels) = ResNet.Stage(g, x, channels, 2, 256, 6, 1, bottleneck: true, trunkBlocks);

        var maps = new List<string> { x };
        for (int i = 0; i < s_extraMiddleChannels.Length; i++)
        {
            // The first three extra blocks pad their 3x3/2 convolution; the last two do not (5 -> 3 -> 1).
            bool padded = i < 3;
            string prefix = $"additional_blocks.{i}";
            string y = g.Relu(g.Conv(prefix + ".0", maps[^1], OutChannels[i], s_extraMiddleChannels[i], 1, WeightInit.Relu));
            y = g.Relu(g.Conv(prefix + ".3", y, s_extraMiddleChannels[i], OutChannels[i + 1], 3, WeightInit.Relu,
                stride: padded ? 2 : 1, padding: padded ? 1 : 0));
            maps.Add(y);
        }

        var locs = new List<string>();
        var confs = new List<string>();
        for (int i = 0; i < maps.Count; i++)
        {
            int nd = DefaultBoxesPerCell[i];
            string loc = g.Conv($"loc.{i}", maps[i], OutChannels[i], nd * 4, 3, WeightInit.Linear);
            locs.Add(g.Reshape($"loc.{i}.view", loc, 0, 4, -1));
            // view(N, 81, -1) makes channel c = class * nd + d, so the background class owns channels 0..nd-1.
            string conf = g.Conv($"conf.{i}", maps[i], OutChannels[i], nd * Classes, 3, new WeightInit(confidenceGain),
                adjustBias: bias =>
                {
                    for (int d = 0; d < nd; d++)
                    {
                        bias[d] += backgroundBias;
                    }
                });
            confs.Add(g.Reshape($"conf.{i}.view", conf, 0, Classes, -1));
        }

        int boxes = TotalBoxes;
        g.Output(g.Concat("locs_concat", 2, [.. locs]), "locs", -1, 4, boxes);
        g.Output(g.Concat("scores_concat", 2, [.. confs]), "scores", -1, Classes, boxes);
    }
}
