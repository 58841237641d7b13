using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EdgeBench.Inference.TorchSharp.Modules;

/// <summary>The activation that follows a convolution in EdgeBench's generated graphs.</summary>
internal enum Activation
{
    None,
    Relu,

    /// <summary>ONNX Clip(x, 0, 6), torchvision's ReLU6.</summary>
    Relu6,

    /// <summary>Darknet's leaky ReLU, slope 0.1.</summary>
    Leaky,
}

/// <summary>
/// Convolution with bias (batch-norm already folded into weight and bias, as in the ONNX file) and its activation.
/// The module owns <c>weight</c> [out, in/groups, k, k] and <c>bias</c> [out] itself, so its parameter names are the
/// ONNX initializer names (<c>layer1.0.conv1.weight</c>) and loading is a name-for-name copy. Parameters start empty:
/// they are always overwritten from the file, so no random initialization is paid for.
/// </summary>
internal sealed class ConvLayer : nn.Module<Tensor, Tensor>
{
    private const double LeakySlope = 0.1;

    // Not readonly: Module.to(dtype/device) replaces registered parameters, so RebindParameters refreshes these.
    private Parameter _weight;
    private Parameter _bias;
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly long _groups;
    private readonly Activation _activation;

    public ConvLayer(long inChannels, long outChannels, long kernel, Activation activation, long stride = 1, long? padding = null, long groups = 1)
        : base(nameof(ConvLayer))
    {
        _weight = new Parameter(empty(outChannels, inChannels / groups, kernel, kernel), requires_grad: false);
        _bias = new Parameter(empty(outChannels), requires_grad: false);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
        _stride = [stride, stride];
        long pad = padding ?? (kernel / 2);
        _padding = [pad, pad];
        _groups = groups;
        _activation = activation;
    }

    /// <summary>Picks up the parameter objects that <c>Module.to(...)</c> registered in place of the originals.</summary>
    public void RebindParameters()
    {
        foreach ((string name, Parameter parameter) in named_parameters(recurse: false))
        {
            if (name == "weight")
            {
                _weight = parameter;
            }
            else if (name == "bias")
            {
                _bias = parameter;
            }
        }
    }

    public override Tensor forward(Tensor input)
    {
        Tensor y = F.conv2d(input, _weight, _bias, _stride, _padding, groups: _groups);
        // In place: the convolution's output is this layer's own temporary, so the activation need not allocate.
        return _activation switch
        {
            Activation.None => y,
            Activation.Relu => y.relu_(),
            Activation.Relu6 => y.clamp_(0, 6),
            Activation.Leaky => y.leaky_relu_(LeakySlope),
            _ => throw new InvalidOperationException($"Unknown activation {_activation}."),
        };
    }
}

/// <summary>Shared pieces of the ResNet family (classifiers and the SSD300 trunk).</summary>
internal static class ResNetParts
{
    public const int BottleneckExpansion = 4;

    /// <summary>conv1 (7x7/2, 64) + ReLU; the 3x3/2 max pool (pads 1) is applied by <see cref="StemPool"/>.</summary>
    public static ConvLayer Stem() => new(3, 64, 7, Activation.Relu, stride: 2, padding: 3);

    /// <summary>torchvision's stem max pool: 3x3, stride 2, pads 1 (implicit -inf padding, as ONNX MaxPool).</summary>
    public static Tensor StemPool(Tensor x) => F.max_pool2d(x, 3, 2, 1);

    /// <summary>One stage (<c>layer1</c>..<c>layer4</c>); its first block carries the stride and the projection.</summary>
    public static ModuleList<nn.Module<Tensor, Tensor>> Stage(ref long inChannels, long width, int blocks, long stride, bool bottleneck)
    {
        var list = new ModuleList<nn.Module<Tensor, Tensor>>();
        long outChannels = bottleneck ? width * BottleneckExpansion : width;
        for (int b = 0; b < blocks; b++)
        {
            long blockStride = b == 0 ? stride : 1;
            list.Add(new ResidualBlock(inChannels, width, outChannels, blockStride, bottleneck));
            inChannels = outChannels;
        }

        return list;
    }

    public static Tensor RunStage(ModuleList<nn.Module<Tensor, Tensor>> stage, Tensor x)
    {
        Tensor current = x;
        foreach (nn.Module<Tensor, Tensor> block in stage)
        {
            Tensor next = block.forward(current);
            // Free each block's output once the next block has consumed it (the caller owns the stage's input).
            if (!ReferenceEquals(current, x))
            {
                current.Dispose();
            }

            current = next;
        }

        return current;
    }
}

/// <summary>Basic block (two 3x3) or bottleneck (1x1, 3x3 with the stride, 1x1: v1.5), with optional 1x1 projection.</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly ConvLayer _conv1;
    private readonly ConvLayer _conv2;
    private readonly ConvLayer? _conv3;
    private readonly ConvLayer? _downsample;

    public ResidualBlock(long inChannels, long width, long outChannels, long stride, bool bottleneck)
        : base(nameof(ResidualBlock))
    {
        if (bottleneck)
        {
            _conv1 = new ConvLayer(inChannels, width, 1, Activation.Relu);
            _conv2 = new ConvLayer(width, width, 3, Activation.Relu, stride: stride);
            _conv3 = new ConvLayer(width, outChannels, 1, Activation.None);
        }
        else
        {
            _conv1 = new ConvLayer(inChannels, width, 3, Activation.Relu, stride: stride);
            _conv2 = new ConvLayer(width, outChannels, 3, Activation.None);
        }

        register_module("conv1", _conv1);
        register_module("conv2", _conv2);
        if (_conv3 is not null)
        {
            register_module("conv3", _conv3);
        }

        if (stride != 1 || inChannels != outChannels)
        {
            _downsample = new ConvLayer(inChannels, outChannels, 1, Activation.None, stride: stride, padding: 0);
            register_module("downsample", _downsample);
        }
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor a = _conv1.forward(input);
        Tensor branch = _conv2.forward(a);
        if (_conv3 is not null)
        {
            using Tensor b = branch;
            branch = _conv3.forward(b);
        }

        if (_downsample is null)
        {
            return branch.add_(input).relu_();
        }

        using Tensor shortcut = _downsample.forward(input);
        return branch.add_(shortcut).relu_();
    }
}
