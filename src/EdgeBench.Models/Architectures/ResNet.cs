using EdgeBench.Models.Onnx;

namespace EdgeBench.Models.Architectures;

/// <summary>
/// torchvision's ResNet-18/50 (v1.5: the stride of a bottleneck sits on its 3x3 convolution), with batch-norm folded
/// into the convolutions. Also provides the truncated ResNet-50 trunk that SSD300 uses as its backbone.
/// </summary>
/// <remarks>
/// Initialization: every convolution followed by ReLU is He-scaled, so the second moment of activations is kept
/// through each conv+ReLU. The last convolution of each residual branch is further scaled by 1/sqrt(B), B the number
/// of residual blocks in the network (the Fixup/SkipInit idea): each block then adds at most 1/B of the stream's
/// variance, so the stream grows at most e-fold over the whole depth instead of doubling per block.
/// </remarks>
internal static class ResNet
{
    /// <summary>Blocks per stage: ResNet-18 (basic blocks) and ResNet-50 (bottlenecks).</summary>
    public static readonly int[] ResNet18Layers = [2, 2, 2, 2];

    /// <summary>Blocks per stage of ResNet-50.</summary>
    public static readonly int[] ResNet50Layers = [3, 4, 6, 3];

    /// <summary>Channel multiplier of a bottleneck's last convolution.</summary>
    private const int BottleneckExpansion = 4;

    /// <summary>Full classifier: input [N,3,224,224], output logits [N,1000].</summary>
    public static void BuildClassifier(OnnxGraphBuilder g, bool bottleneck, int[] layers, int classes, string outputName)
    {
        string x = g.Input("input", -1, 3, 224, 224);
        int totalBlocks = layers.Sum();
        (x, int channels) = Stem(g, x);
        int[] widths = [64, 128, 256, 512];
        for (int stage = 0; stage < 4; stage++)
        {
            (x, channels) = Stage(g, x, channels, stage, widths[stage], layers[stage], stage == 0 ? 1 : 2, bottleneck, totalBlocks);
        }

        x = g.GlobalAveragePool("avgpool", x);
        x = g.Flatten("flatten", x);
        x = g.Gemm("fc", x, channels, classes, WeightInit.Linear);
        g.Output(x, outputName, -1, classes);
    }

    /// <summary>conv1 (7x7/2, 64) + ReLU + maxpool (3x3/2): [N,3,H,W] -> [N,64,H/4,W/4].</summary>
    public static (string Output, int Channels) Stem(OnnxGraphBuilder g, string x)
    {
        x = g.Relu(g.Conv("conv1", x, 3, 64, 7, WeightInit.Relu, stride: 2, padding: 3));
        x = g.MaxPool("maxpool", x, kernel: 3, stride: 2, 1, 1, 1, 1);
        return (x, 64);
    }

    /// <summary>
    /// One stage ("layer1".."layer4" in torchvision). <paramref name="stride"/> applies to its first block, which also
    /// gets the 1x1 projection shortcut when shape changes. Returns the output and its channel count.
    /// </summary>
    public static (string Output, int Channels) Stage(
        OnnxGraphBuilder g, string x, int inChannels, int stageIndex, int width, int blocks, int stride, bool bottleneck,
        int totalBlocks)
    {
        var residualInit = new WeightInit(1f / MathF.Sqrt(totalBlocks));
        int outChannels = bottleneck ? width * BottleneckExpansion : width;
        for (int b = 0; b < blocks; b++)
        {
            string prefix = $"layer{stageIndex + 1}.{b}";
            int blockStride = b == 0 ? stride : 1;
            string branch;
            if (bottleneck)
            {
                branch = g.Relu(g.Conv(prefix + ".conv1", x, inChannels, width, 1, WeightInit.Relu));
                branch = g.Relu(g.Conv(prefix + ".conv2", branch, width, width, 3, WeightInit.Relu, stride: blockStride));
                branch = g.Conv(prefix + ".conv3", branch, width, outChannels, 1, residualInit);
            }
            else
            {
                branch = g.Relu(g.Conv(prefix + ".conv1", x, inChannels, width, 3, WeightInit.Relu, stride: blockStride));
                branch = g.Conv(prefix + ".conv2", branch, width, outChannels, 3, residualInit);
            }

            string shortcut = x;
            if (blockStride != 1 || inChannels != outChannels)
            {
                shortcut = g.Conv(prefix + ".downsample", x, inChannels, outChannels, 1, WeightInit.Linear, stride: blockStride, padding: 0);
            }

            x = g.Relu(g.Add(prefix + ".add", branch, shortcut));
            inChannels = outChannels;
        }

        return (x, outChannels);
    }
}
