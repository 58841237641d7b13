using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace EdgeBench.Models.Onnx;

/// <summary>How a layer's weights are scaled at initialization.</summary>
/// <param name="Gain">
/// Multiplies the fan-in standard deviation sqrt(1 / fan_in). sqrt(2) keeps the second moment through a following
/// ReLU (He et al.); 1 keeps it through a linear layer.
/// </param>
internal readonly record struct WeightInit(float Gain)
{
    /// <summary>For a layer followed by ReLU/ReLU6/LeakyReLU.</summary>
    public static WeightInit Relu => new(MathF.Sqrt(2f));

    /// <summary>
    /// For a layer followed by SiLU: 1/sqrt(E[silu(z)²]) for z ~ N(0, 1), 1.679 (numerical integral). He's sqrt(2)
    /// keeps only 71% of the second moment per SiLU layer, which flattens a 60-layer YOLOv8 to constant outputs.
    /// </summary>
    public static WeightInit Silu => new(1.679f);

    /// <summary>For a layer with no activation after it.</summary>
    public static WeightInit Linear => new(1f);
}

/// <summary>
/// Builds an ONNX graph layer by layer with seeded weights. Batch-norm is folded into each convolution (weights and
/// bias), so a layer is Conv(+bias) followed by its activation, as an inference export with folding looks.
/// </summary>
/// <remarks>
/// Tensor names are derived from layer names, which also seed the weights: the same seed and architecture give the
/// same bytes. Every shape is NCHW with a symbolic batch dimension <c>N</c>.
/// </remarks>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The opset the generated models declare (Resize with scales and MaxPool padding semantics of 13+).</summary>
    public const int Opset = 17;

    /// <summary>ONNX IR version matching opset 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    /// <summary>Name of the symbolic batch dimension.</summary>
    public const string BatchDimension = "N";

    /// <summary>Standard deviation of the folded batch-norm biases.</summary>
    private const float BiasStd = 0.02f;

    private readonly GraphProto _graph;
    private readonly ulong _seed;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string graphName, ulong seed)
    {
        _graph = new GraphProto { Name = graphName };
        _seed = seed;
    }

    /// <summary>Declares a float input; a dimension of -1 becomes the symbolic batch <c>N</c>.</summary>
    public string Input(string name, params long[] shape)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, shape));
        return name;
    }

    /// <summary>Declares <paramref name="tensor"/> as a float graph output, renaming it with an Identity node.</summary>
    public void Output(string tensor, string outputName, params long[] shape)
    {
        Claim(outputName);
        _graph.Node.Add(Node("Identity", outputName + "_identity", [tensor], [outputName]));
        _graph.Output.Add(ValueInfo(outputName, TensorProto.Types.DataType.Float, shape));
    }

    /// <summary>
    /// Convolution with folded batch-norm: weights [outC, inC/groups, k, k] drawn with <paramref name="init"/>,
    /// bias drawn small (what folding a freshly initialized BN leaves is zero; a small bias keeps ReLUs from all
    /// switching on the same sign pattern). <paramref name="adjustBias"/> may then edit the drawn bias (head calibration).
    /// </summary>
    public string Conv(
        string name, string x, int inChannels, int outChannels, int kernel, WeightInit init,
        int stride = 1, int? padding = null, int groups = 1, Action<Span<float>>? adjustBias = null)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"{name}: channels {inChannels}->{outChannels} not divisible by groups {groups}.");
        }

        int pad = padding ?? (kernel / 2);
        int fanIn = inChannels / groups * kernel * kernel;
        string weight = Initializer(name + ".weight", [outChannels, inChannels / groups, kernel, kernel], init.Gain / MathF.Sqrt(fanIn));
        string bias = Initializer(name + ".bias", [outChannels], BiasStd, adjustBias);
        var node = Node("Conv", name, [x, weight, bias], [name]);
        node.Attribute.Add(Ints("kernel_shape", kernel, kernel));
        node.Attribute.Add(Ints("strides", stride, stride));
        node.Attribute.Add(Ints("pads", pad, pad, pad, pad));
        node.Attribute.Add(Ints("dilations", 1, 1));
        node.Attribute.Add(Int("group", groups));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>Fully connected layer <c>y = x W^T + b</c> on [N, inFeatures] (torch.nn.Linear's layout).</summary>
    public string Gemm(string name, string x, int inFeatures, int outFeatures, WeightInit init)
    {
        string weight = Initializer(name + ".weight", [outFeatures, inFeatures], init.Gain / MathF.Sqrt(inFeatures));
        string bias = Initializer(name + ".bias", [outFeatures], BiasStd);
        var node = Node("Gemm", name, [x, weight, bias], [name]);
        node.Attribute.Add(Int("transB", 1));
        _graph.Node.Add(node);
        return name;
    }

    public string Relu(string x) => Unary("Relu", x);

    /// <summary>Permutes the axes of <paramref name="x"/> (e.g. 0,3,1,2: an NHWC input to the NCHW the convolutions want).</summary>
    public string Transpose(string name, string x, params long[] perm)
    {
        Claim(name);
        var node = Node("Transpose", name, [x], [name]);
        node.Attribute.Add(Ints("perm", perm));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>ReLU6 as Clip(x, 0, 6), the form torchvision's MobileNetV2 exports to.</summary>
    public string Relu6(string x)
    {
        string output = x + "_relu6";
        Claim(output);
        string min = Constant(output + ".min", 0f);
        string max = Constant(output + ".max", 6f);
        _graph.Node.Add(Node("Clip", output, [x, min, max], [output]));
        return output;
    }

    public string LeakyRelu(string x, float alpha)
    {
        string output = Unary("LeakyRelu", x);
        _graph.Node[^1].Attribute.Add(Float("alpha", alpha));
        return output;
    }

    public string Add(string name, string a, string b)
    {
        Claim(name);
        _graph.Node.Add(Node("Add", name, [a, b], [name]));
        return name;
    }

    /// <summary>Max pooling; <paramref name="pads"/> is ONNX order [top, left, bottom, right].</summary>
    public string MaxPool(string name, string x, int kernel, int stride, params int[] pads)
    {
        Claim(name);
        var node = Node("MaxPool", name, [x], [name]);
        node.Attribute.Add(Ints("kernel_shape", kernel, kernel));
        node.Attribute.Add(Ints("strides", stride, stride));
        node.Attribute.Add(Ints("pads", pads.Length == 0 ? [0, 0, 0, 0] : pads));
        _graph.Node.Add(node);
        return name;
    }

    public string GlobalAveragePool(string name, string x)
    {
        Claim(name);
        _graph.Node.Add(Node("GlobalAveragePool", name, [x], [name]));
        return name;
    }

    public string Flatten(string name, string x)
    {
        Claim(name);
        var node = Node("Flatten", name, [x], [name]);
        node.Attribute.Add(Int("axis", 1));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>Reshape; use 0 to copy a dimension and -1 to infer one (ONNX semantics).</summary>
    public string Reshape(string name, string x, params long[] shape)
    {
        Claim(name);
        string shapeTensor = Int64Constant(name + ".shape", shape);
        _graph.Node.Add(Node("Reshape", name, [x, shapeTensor], [name]));
        return name;
    }

    public string Concat(string name, int axis, params string[] inputs)
    {
        Claim(name);
        var node = Node("Concat", name, inputs, [name]);
        node.Attribute.Add(Int("axis", axis));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>Nearest-neighbour upsampling by an integer factor (Darknet's upsample layer).</summary>
    public string UpsampleNearest(string name, string x, int factor)
    {
        Claim(name);
        string scales = FloatConstant(name + ".scales", [1f, 1f, factor, factor]);
        var node = Node("Resize", name, [x, string.Empty, scales], [name]);
        node.Attribute.Add(String("mode", "nearest"));
        // asymmetric + floor reproduces Darknet/PyTorch nearest upsampling exactly (each pixel copied factor x factor).
        node.Attribute.Add(String("coordinate_transformation_mode", "asymmetric"));
        node.Attribute.Add(String("nearest_mode", "floor"));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>SiLU as Sigmoid then Mul, the form PyTorch exports <c>nn.SiLU</c> to at opset 17.</summary>
    public string Silu(string x)
    {
        string sigmoid = Unary("Sigmoid", x);
        return Mul(x + "_silu", x, sigmoid);
    }

    public string Sigmoid(string x) => Unary("Sigmoid", x);

    public string Mul(string name, string a, string b) => Binary("Mul", name, a, b);

    public string Sub(string name, string a, string b) => Binary("Sub", name, a, b);

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into parts of the given sizes (opset 13+ Split).</summary>
    public string[] Split(string name, string x, int axis, params long[] sizes)
    {
        string splitSizes = Int64Constant(name + ".split", sizes);
        string[] outputs = sizes.Select((_, i) => $"{name}_{i}").ToArray();
        foreach (string output in outputs)
        {
            Claim(output);
        }

        var node = Node("Split", name, [x, splitSizes], outputs);
        node.Attribute.Add(Int("axis", axis));
        _graph.Node.Add(node);
        return outputs;
    }

    public string Softmax(string name, string x, int axis)
    {
        Claim(name);
        var node = Node("Softmax", name, [x], [name]);
        node.Attribute.Add(Int("axis", axis));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>A 1x1 convolution with fixed weights and no bias (a layer that is not learned, e.g. YOLOv8's DFL).</summary>
    public string FixedConv1x1(string name, string x, int inChannels, int outChannels, float[] weights)
    {
        if (weights.Length != inChannels * outChannels)
        {
            throw new ArgumentException($"{name}: {weights.Length} weights for a {inChannels}->{outChannels} 1x1 convolution.");
        }

        string weight = name + ".weight";
        Claim(weight);
        Claim(name);
        _graph.Initializer.Add(FloatTensor(weight, [outChannels, inChannels, 1, 1], weights));
        var node = Node("Conv", name, [x, weight], [name]);
        node.Attribute.Add(Ints("kernel_shape", 1, 1));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>A float constant of the given shape (anchor grids, strides): an initializer that no seed touches.</summary>
    public string Constant(string name, long[] dims, float[] values)
    {
        Claim(name);
        _graph.Initializer.Add(FloatTensor(name, dims, values));
        return name;
    }

    /// <summary>The finished model: IR 8, opset 17, producer EdgeBench with <paramref name="producerVersion"/>.</summary>
    public ModelProto Build(string producerVersion, string docString)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "EdgeBench",
            ProducerVersion = producerVersion,
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return model;
    }

    private string Binary(string opType, string name, string a, string b)
    {
        Claim(name);
        _graph.Node.Add(Node(opType, name, [a, b], [name]));
        return name;
    }

    private string Unary(string opType, string x)
    {
        string output = x + "_" + opType.ToLowerInvariant();
        Claim(output);
        _graph.Node.Add(Node(opType, output, [x], [output]));
        return output;
    }

    private string Initializer(string name, long[] dims, float std, Action<Span<float>>? adjust = null)
    {
        Claim(name);
        long count = 1;
        foreach (long d in dims)
        {
            count *= d;
        }

        var values = new float[count];
        SeededWeights.FillZeroMean(values, _seed, name, std);
        adjust?.Invoke(values);
        _graph.Initializer.Add(FloatTensor(name, dims, values));
        return name;
    }

    /// <summary>A scalar float constant.</summary>
    public string Constant(string name, float value) => FloatConstant(name, [value], scalar: true);

    private string FloatConstant(string name, float[] values, bool scalar = false)
    {
        Claim(name);
        _graph.Initializer.Add(FloatTensor(name, scalar ? [] : [values.Length], values));
        return name;
    }

    private string Int64Constant(string name, long[] values)
    {
        Claim(name);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.Add(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A float tensor stored as little-endian raw_data, as exporters write large weights.</summary>
    internal static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        return tensor;
    }

    internal static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (long d in shape)
        {
            tensorShape.Dim.Add(d < 0
                ? new TensorShapeProto.Types.Dimension { DimParam = BatchDimension }
                : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    internal static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        return node;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"Tensor name '{name}' is used twice in graph '{_graph.Name}'.");
        }
    }

    internal static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static AttributeProto Ints(string name, params int[] values) => Ints(name, values.Select(v => (long)v).ToArray());

    internal static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    internal static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    internal static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
}
