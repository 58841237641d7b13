using EdgeBench.Models.Onnx;

namespace EdgeBench.Models.Architectures;

/// <summary>
/// YOLOv3-tiny exactly as Darknet's yolov3-tiny.cfg defines it: 416x416 input, 80 COCO classes, two detection
/// heads [N,255,13,13] and [N,255,26,26] (255 = 3 anchors x (4 box + 1 objectness + 80 classes)), LeakyReLU(0.1),
/// batch-norm folded into the convolutions, the head convolutions linear with bias.
/// </summary>
internal static class YoloV3Tiny
{
    /// <summary>Channels of each head: 3 anchors x 85.</summary>
    public const int HeadChannels = 255;

    private const float LeakySlope = 0.1f;

    /// <summary>Values per anchor in a head: x, y, w, h, objectness, then the class logits.</summary>
    private const int ValuesPerAnchor = 85;

    private const int ObjectnessOffset = 4;

    /// <summary>
    /// Builds the graph. <paramref name="objectnessBias"/> and <paramref name="classBias"/> are added to the head
    /// convolutions' biases of every anchor's objectness and class channels (channel a*85+4 and a*85+5..84), which
    /// sets how many boxes pass the confidence threshold (see <see cref="Zoo.ModelCatalog"/> for the values and why).
    /// </summary>
    public static void Build(OnnxGraphBuilder g, string output13, string output26, float objectnessBias, float classBias)
    {
        void Calibrate(Span<float> bias)
        {
            for (int channel = 0; channel < bias.Length; channel++)
            {
                int k = channel % ValuesPerAnchor;
                bias[channel] += k == ObjectnessOffset ? objectnessBias : k > ObjectnessOffset ? classBias : 0f;
            }
        }

        string x = g.Input("input", -1, 3, 416, 416);
        string Leaky(string name, string input, int inC, int outC, int k) =>
            g.LeakyRelu(g.Conv(name, input, inC, outC, k, WeightInit.Relu), LeakySlope);

        // Layers 0-10: conv 3x3 + maxpool 2/2 five times (416 -> 13), then conv 512.
        x = Leaky("layer0", x, 3, 16, 3);
        x = g.MaxPool("layer1", x, 2, 2);
        x = Leaky("layer2", x, 16, 32, 3);
        x = g.MaxPool("layer3", x, 2, 2);
        x = Leaky("layer4", x, 32, 64, 3);
        x = g.MaxPool("layer5", x, 2, 2);
        x = Leaky("layer6", x, 64, 128, 3);
        x = g.MaxPool("layer7", x, 2, 2);
        string route8 = Leaky("layer8", x, 128, 256, 3);
        x = g.MaxPool("layer9", route8, 2, 2);
        x = Leaky("layer10", x, 256, 512, 3);
        // Darknet's maxpool size=2 stride=1 pads one pixel on the right/bottom (padding = size-1, offset 0), keeping 13x13.
        x = g.MaxPool("layer11", x, 2, 1, 0, 0, 1, 1);
        x = Leaky("layer12", x, 512, 1024, 3);
        string route13 = Leaky("layer13", x, 1024, 256, 1);
        x = Leaky("layer14", route13, 256, 512, 3);
        string head13 = g.Conv("layer15", x, 512, HeadChannels, 1, WeightInit.Linear, adjustBias: Calibrate);

        // Layers 17-22: route back to layer 13, 1x1 conv 128, upsample x2, concat with layer 8, conv, head.
        x = Leaky("layer18", route13, 256, 128, 1);
        x = g.UpsampleNearest("layer19", x, 2);
        x = g.Concat("layer20", 1, x, route8);
        x = Leaky("layer21", x, 128 + 256, 256, 3);
        string head26 = g.Conv("layer22", x, 256, HeadChannels, 1, WeightInit.Linear, adjustBias: Calibrate);

        g.Output(head13, output13, -1, HeadChannels, 13, 13);
        g.Output(head26, output26, -1, HeadChannels, 26, 26);
    }
}
