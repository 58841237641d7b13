using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EdgeBench.Inference.TorchSharp.Modules;

/// <summary>
/// A network mirroring one of EdgeBench's generated ONNX graphs (EdgeBench.Models/Architectures): same layers, same
/// parameter names, same output order. Outputs are returned as new tensors the caller disposes.
/// </summary>
internal abstract class MirrorNetwork(string name) : nn.Module<Tensor, Tensor[]>(name)
{
}

/// <summary>torchvision ResNet-18/50 classifier as EdgeBench generates it (ResNet.cs): folded convs, GAP, fc.</summary>
internal sealed class ResNetClassifier : MirrorNetwork
{
    private readonly ConvLayer _conv1;
    private readonly ModuleList<nn.Module<Tensor, Tensor>>[] _stages;
    private readonly Linear _fc;

    public ResNetClassifier(bool bottleneck, int[] layers, int classes)
        : base(nameof(ResNetClassifier))
    {
        _conv1 = ResNetParts.Stem();
        register_module("conv1", _conv1);
        long channels = 64;
        long[] widths = [64, 128, 256, 512];
        _stages = new ModuleList<nn.Module<Tensor, Tensor>>[4];
        for (int s = 0; s < 4; s++)
        {
            _stages[s] = ResNetParts.Stage(ref channels, widths[s], layers[s], s == 0 ? 1 : 2, bottleneck);
            register_module($"layer{s + 1}", _stages[s]);
        }

        _fc = nn.Linear(channels, classes);
        register_module("fc", _fc);
    }

    public override Tensor[] forward(Tensor input)
    {
        using Tensor stem = _conv1.forward(input);
        Tensor x = ResNetParts.StemPool(stem);
        foreach (ModuleList<nn.Module<Tensor, Tensor>> stage in _stages)
        {
            using Tensor previous = x;
            x = ResNetParts.RunStage(stage, previous);
        }

        using Tensor last = x;
        // ONNX GlobalAveragePool + Flatten(axis 1) = mean over H and W.
        using Tensor pooled = last.mean([2L, 3L]);
        return [_fc.forward(pooled)];
    }
}

/// <summary>torchvision MobileNetV2 as EdgeBench generates it (MobileNetV2.cs): <c>features.N</c>, <c>classifier</c>.</summary>
internal sealed class MobileNetV2Classifier : MirrorNetwork
{
    private static readonly (int T, int C, int N, int S)[] s_settings =
    [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ];

    private readonly ModuleList<nn.Module<Tensor, Tensor>> _features = new();
    private readonly Linear _classifier;

    public MobileNetV2Classifier(int classes)
        : base(nameof(MobileNetV2Classifier))
    {
        const int stem = 32;
        const int lastChannels = 1280;
        _features.Add(new ConvLayer(3, stem, 3, Activation.Relu6, stride: 2));
        long inChannels = stem;
        foreach ((int t, int c, int n, int s) in s_settings)
        {
            for (int i = 0; i < n; i++)
            {
                _features.Add(new InvertedResidual(inChannels, c, i == 0 ? s : 1, t));
                inChannels = c;
            }
        }

        _features.Add(new ConvLayer(inChannels, lastChannels, 1, Activation.Relu6));
        register_module("features", _features);
        _classifier = nn.Linear(lastChannels, classes);
        register_module("classifier", _classifier);
    }

    public override Tensor[] forward(Tensor input)
    {
        using Tensor x = ResNetParts.RunStage(_features, input);
        using Tensor pooled = x.mean([2L, 3L]);
        return [_classifier.forward(pooled)];
    }
}

/// <summary>MobileNetV2's inverted residual: optional 1x1 expand (ReLU6), 3x3 depthwise (ReLU6), 1x1 linear project.</summary>
internal sealed class InvertedResidual : nn.Module<Tensor, Tensor>
{
    private readonly ConvLayer? _expand;
    private readonly ConvLayer _depthwise;
    private readonly ConvLayer _project;
    private readonly bool _residual;

    public InvertedResidual(long inChannels, long outChannels, long stride, int expansion)
        : base(nameof(InvertedResidual))
    {
        long hidden = inChannels * expansion;
        if (expansion != 1)
        {
            _expand = new ConvLayer(inChannels, hidden, 1, Activation.Relu6);
            register_module("expand", _expand);
        }

        _depthwise = new ConvLayer(hidden, hidden, 3, Activation.Relu6, stride: stride, groups: hidden);
        register_module("depthwise", _depthwise);
        _project = new ConvLayer(hidden, outChannels, 1, Activation.None);
        register_module("project", _project);
        _residual = stride == 1 && inChannels == outChannels;
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor? expanded = _expand?.forward(input);
        using Tensor depthwise = _depthwise.forward(expanded ?? input);
        Tensor y = _project.forward(depthwise);
        return _residual ? y.add_(input) : y;
    }
}

/// <summary>
/// NVIDIA SSD300 v1.1 as EdgeBench generates it (Ssd300.cs): ResNet-50 trunk to conv4_x (conv4 at stride 1), five
/// extra blocks, loc/conf heads viewed as [N,4,-1] and [N,81,-1] and concatenated on the last axis.
/// Outputs: <c>locs</c> [N,4,8732], <c>scores</c> [N,81,8732].
/// </summary>
internal sealed class Ssd300Network : MirrorNetwork
{
    private const int Classes = 81;
    private static readonly long[] s_outChannels = [1024, 512, 512, 256, 256, 256];
    private static readonly long[] s_middleChannels = [256, 256, 128, 128, 128];
    private static readonly long[] s_boxesPerCell = [4, 6, 6, 6, 4, 4];

    private readonly ConvLayer _conv1;
    private readonly ModuleList<nn.Module<Tensor, Tensor>>[] _trunk;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _extras = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _loc = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _conf = new();

    public Ssd300Network()
        : base(nameof(Ssd300Network))
    {
        _conv1 = ResNetParts.Stem();
        register_module("conv1", _conv1);
        long channels = 64;
        _trunk =
        [
            ResNetParts.Stage(ref channels, 64, 3, 1, bottleneck: true),
            ResNetParts.Stage(ref channels, 128, 4, 2, bottleneck: true),
            // conv4_x at stride 1: the 38x38 map.
            ResNetParts.Stage(ref channels, 256, 6, 1, bottleneck: true),
        ];
        for (int s = 0; s < _trunk.Length; s++)
        {
            register_module($"layer{s + 1}", _trunk[s]);
        }

        for (int i = 0; i < s_middleChannels.Length; i++)
        {
            _extras.Add(new SsdExtraBlock(s_outChannels[i], s_middleChannels[i], s_outChannels[i + 1], padded: i < 3));
        }

        register_module("additional_blocks", _extras);
        for (int i = 0; i < s_outChannels.Length; i++)
        {
            _loc.Add(new ConvLayer(s_outChannels[i], s_boxesPerCell[i] * 4, 3, Activation.None));
            _conf.Add(new ConvLayer(s_outChannels[i], s_boxesPerCell[i] * Classes, 3, Activation.None));
        }

        register_module("loc", _loc);
        register_module("conf", _conf);
    }

    public override Tensor[] forward(Tensor input)
    {
        long n = input.shape[0];
        using Tensor stem = _conv1.forward(input);
        Tensor x = ResNetParts.StemPool(stem);
        foreach (ModuleList<nn.Module<Tensor, Tensor>> stage in _trunk)
        {
            using Tensor previous = x;
            x = ResNetParts.RunStage(stage, previous);
        }

        var maps = new List<Tensor> { x };
        var locs = new List<Tensor>();
        var confs = new List<Tensor>();
        try
        {
            foreach (nn.Module<Tensor, Tensor> extra in _extras)
            {
                maps.Add(extra.forward(maps[^1]));
            }

            for (int i = 0; i < maps.Count; i++)
            {
                // view(N, 4, -1) / view(N, 81, -1) over [N, nd*4, H, W], as the reference's bbox_view (ONNX Reshape 0,4,-1).
                using Tensor loc = _loc[i].forward(maps[i]);
                locs.Add(loc.reshape(n, 4, -1));
                using Tensor conf = _conf[i].forward(maps[i]);
                confs.Add(conf.reshape(n, Classes, -1));
            }

            return [cat(locs, 2), cat(confs, 2)];
        }
        finally
        {
            foreach (Tensor t in maps.Concat(locs).Concat(confs))
            {
                t.Dispose();
            }
        }
    }
}

/// <summary>SSD300 extra block: 1x1 conv (<c>.0</c>) + ReLU, 3x3 conv (<c>.3</c>) + ReLU, stride 2 pad 1 or stride 1 pad 0.</summary>
internal sealed class SsdExtraBlock : nn.Module<Tensor, Tensor>
{
    private readonly ConvLayer _reduce;
    private readonly ConvLayer _conv;

    public SsdExtraBlock(long inChannels, long middleChannels, long outChannels, bool padded)
        : base(nameof(SsdExtraBlock))
    {
        // Named .0 and .3 as in the reference's Sequential(conv, bn, relu, conv, bn, relu), with batch-norm folded away.
        _reduce = new ConvLayer(inChannels, middleChannels, 1, Activation.Relu);
        _conv = new ConvLayer(middleChannels, outChannels, 3, Activation.Relu, stride: padded ? 2 : 1, padding: padded ? 1 : 0);
        register_module("0", _reduce);
        register_module("3", _conv);
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor reduced = _reduce.forward(input);
        return _conv.forward(reduced);
    }
}

/// <summary>
/// YOLOv3-tiny as EdgeBench generates it (YoloV3Tiny.cs, Darknet yolov3-tiny.cfg): <c>layerN</c> convolutions with
/// LeakyReLU(0.1), max pools 2/2, the 2/1 max pool padded right/bottom, nearest x2 upsample and the route concat.
/// Outputs: <c>head_13x13</c> [N,255,13,13], <c>head_26x26</c> [N,255,26,26].
/// </summary>
internal sealed class YoloV3TinyNetwork : MirrorNetwork
{
    private const int Head = 255;
    private readonly Dictionary<int, ConvLayer> _layers = [];

    public YoloV3TinyNetwork()
        : base(nameof(YoloV3TinyNetwork))
    {
        Add(0, 3, 16, 3, Activation.Leaky);
        Add(2, 16, 32, 3, Activation.Leaky);
        Add(4, 32, 64, 3, Activation.Leaky);
        Add(6, 64, 128, 3, Activation.Leaky);
        Add(8, 128, 256, 3, Activation.Leaky);
        Add(10, 256, 512, 3, Activation.Leaky);
        Add(12, 512, 1024, 3, Activation.Leaky);
        Add(13, 1024, 256, 1, Activation.Leaky);
        Add(14, 256, 512, 3, Activation.Leaky);
        Add(15, 512, Head, 1, Activation.None);
        Add(18, 256, 128, 1, Activation.Leaky);
        Add(21, 128 + 256, 256, 3, Activation.Leaky);
        Add(22, 256, Head, 1, Activation.None);
    }

    public override Tensor[] forward(Tensor input)
    {
        Tensor x = Conv(0, input);
        x = Pool(x);
        x = Pool(Conv(2, x, dispose: true));
        x = Pool(Conv(4, x, dispose: true));
        x = Pool(Conv(6, x, dispose: true));
        using Tensor route8 = Conv(8, x, dispose: true);
        x = Conv(10, Pool(route8, dispose: false), dispose: true);
        // Darknet's maxpool size 2 stride 1 pads one pixel right and bottom (ONNX pads [0,0,1,1]); -inf padding is
        // what ONNX MaxPool's implicit padding means, so the padded pixels never win.
        using (Tensor previous = x)
        using (Tensor padded = F.pad(previous, [0, 1, 0, 1], value: double.NegativeInfinity))
        {
            x = F.max_pool2d(padded, 2, 1);
        }

        x = Conv(12, x, dispose: true);
        using Tensor route13 = Conv(13, x, dispose: true);
        Tensor head13 = Conv(15, Conv(14, route13), dispose: true);

        using Tensor reduced = Conv(18, route13);
        using Tensor upsampled = F.interpolate(reduced, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        using Tensor joined = cat([upsampled, route8], 1);
        Tensor head26 = Conv(22, Conv(21, joined), dispose: true);
        return [head13, head26];
    }

    private void Add(int index, long inChannels, long outChannels, long kernel, Activation activation)
    {
        var layer = new ConvLayer(inChannels, outChannels, kernel, activation);
        _layers[index] = layer;
        register_module($"layer{index}", layer);
    }

    private Tensor Conv(int index, Tensor x, bool dispose = false)
    {
        Tensor y = _layers[index].forward(x);
        if (dispose)
        {
            x.Dispose();
        }

        return y;
    }

    private static Tensor Pool(Tensor x, bool dispose = true)
    {
        Tensor y = F.max_pool2d(x, 2, 2);
        if (dispose)
        {
            x.Dispose();
        }

        return y;
    }
}
