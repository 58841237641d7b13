using EdgeBench.Models.Onnx;

namespace EdgeBench.Models.Architectures;

/// <summary>
/// torchvision's MobileNetV2 (width 1.0): inverted residual blocks with ReLU6, batch-norm folded into convolutions.
/// Input [N,3,224,224], logits [N,1000].
/// </summary>
/// <remarks>
/// Initialization follows <see cref="ResNet"/>: He-scaled convolutions before ReLU6, the linear projection of a block
/// with a residual connection scaled by 1/sqrt(R), R the number of residual connections.
/// </remarks>
internal static class MobileNetV2
{
    /// <summary>(expansion t, output channels c, repeats n, first stride s), torchvision's inverted_residual_setting.</summary>
    private static readonly (int T, int C, int N, int S)[] s_settings =
    [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ];

    private const int StemChannels = 32;
    private const int LastChannels = 1280;

    public static void Build(OnnxGraphBuilder g, int classes, string outputName)
    {
        string x = g.Input("input", -1, 3, 224, 224);
        // Every setting's first block changes the channel count, so exactly its repeats carry a residual connection.
        int residualCount = s_settings.Sum(s => s.N - 1);
        var residualInit = new WeightInit(1f / MathF.Sqrt(Math.Max(1, residualCount)));

        x = g.Relu6(g.Conv("features.0", x, 3, StemChannels, 3, WeightInit.Relu, stride: 2));
        int inChannels = StemChannels;
        int index = 1;
        foreach ((int t, int c, int n, int s) in s_settings)
        {
            for (int i = 0; i < n; i++)
            {
                int stride = i == 0 ? s : 1;
                string prefix = $"features.{index++}";
                bool residual = stride == 1 && inChannels == c;
                int hidden = inChannels * t;
                string y = x;
                if (t != 1)
                {
                    y = g.Relu6(g.Conv(prefix + ".expand", y, inChannels, hidden, 1, WeightInit.Relu));
                }

                y = g.Relu6(g.Conv(prefix + ".depthwise", y, hidden, hidden, 3, WeightInit.Relu, stride: stride, groups: hidden));
                y = g.Conv(prefix + ".project", y, hidden, c, 1, residual ? residualInit : WeightInit.Linear);
                x = residual ? g.Add(prefix + ".add", x, y) : y;
                inChannels = c;
            }
        }

        x = g.Relu6(g.Conv($"features.{index}", x, inChannels, LastChannels, 1, WeightInit.Relu));
        x = g.GlobalAveragePool("avgpool", x);
        x = g.Flatten("flatten", x);
        // torchvision's classifier is Dropout(0.2) + Linear; dropout is the identity at inference.
        x = g.Gemm("classifier", x, LastChannels, classes, WeightInit.Linear);
        g.Output(x, outputName, -1, classes);
    }
}
