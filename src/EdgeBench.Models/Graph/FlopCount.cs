using System.Buffers.Binary;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Onnx;

namespace EdgeBench.Models.Graph;

/// <summary>
/// Floating-point operations of one frame through a model, counted from its ONNX graph.
/// </summary>
/// <param name="FlopsPerFrame">Counted operations divided by the graph's batch (1 for a symbolic batch).</param>
/// <param name="FlopsPerFrameByOpType">The same split by op type (Conv, ConvTranspose, Gemm, MatMul).</param>
public sealed record FlopCount(long FlopsPerFrame, IReadOnlyDictionary<string, long> FlopsPerFrameByOpType)
{
    /// <summary>FLOPs per frame in units of 10^9.</summary>
    public double GigaflopsPerFrame => FlopsPerFrame / 1e9;
}

/// <summary>
/// Counts FLOPs per frame from an ONNX graph: Conv, ConvTranspose, Gemm and MatMul count 2 FLOPs per
/// multiply-accumulate (one multiply, one add), the convention of the published model figures (torchvision's
/// "GFLOPS" column is MACs; ResNet-50's 4.09 G MACs is the 8.18 GFLOP quoted here).
/// </summary>
/// <remarks>
/// <para>Not counted: bias additions, elementwise ops (activations, Add, Mul, batch normalization, Cast), pooling,
/// resizing, softmax, and postprocessing such as NMS. Together they are under 1% of every catalog model (each is a
/// handful of operations per output element, where a convolution does hundreds of multiply-adds per element), and
/// engines fuse most of them into the convolutions, so the count is the arithmetic a roofline compares with the
/// device's FMA peak.</para>
/// <para>Shapes come from the graph: graph inputs (a symbolic dimension is taken as 1, i.e. batch 1), initializers,
/// and shape inference through the ops this project's models and common exports use (convolution, pooling, reshape,
/// flatten, concat, split, slice, resize, transpose, gemm, matmul, broadcasting elementwise ops). An op the inference
/// does not know falls back to the graph's value_info; without either the count fails naming the node, rather than
/// guessing.</para>
/// </remarks>
public static class FlopCounter
{
    /// <summary>Counts the model in <paramref name="path"/>; an unreadable file raises <see cref="ModelFileException"/>.</summary>
    public static FlopCount CountFile(string path)
    {
        ModelProto model = OnnxFiles.Read(path);
        try
        {
            return Count(model);
        }
        catch (NotSupportedException e)
        {
            throw new ModelFileException(path, e.Message, e);
        }
    }

    /// <summary>
    /// Counts a catalog model as its builder makes it (the pretrained one from its packaged file), without writing a file.
    /// </summary>
    public static FlopCount CountCatalogModel(string id) => Count(ModelCatalog.Build(id));

    /// <summary>
    /// Counts <paramref name="model"/>. A graph whose shapes cannot be inferred raises <see cref="NotSupportedException"/>
    /// naming the node and op.
    /// </summary>
    public static FlopCount Count(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var shapes = new ShapeInference(model.Graph);
        var byOpType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (NodeProto node in model.Graph.Node)
        {
            shapes.Infer(node);
            long flops = NodeFlops(node, shapes);
            if (flops > 0)
            {
                byOpType[node.OpType] = byOpType.GetValueOrDefault(node.OpType) + flops;
                total += flops;
            }
        }

        long batch = shapes.Batch;
        return new FlopCount(total / batch, byOpType.ToDictionary(p => p.Key, p => p.Value / batch, StringComparer.Ordinal));
    }

    /// <summary>
    /// 2 x multiply-accumulates of one node, 0 for an op that is not counted. Every input shape is known here (the
    /// node's shapes were inferred first).
    /// </summary>
    internal static long NodeFlops(NodeProto node, ShapeInference shapes)
    {
        switch (node.OpType)
        {
            case "Conv":
            {
                // y[N, M, out...] = sum over C/group input channels and the kernel window: per output element
                // (C/group) * prod(kernel) multiply-adds.
                long[] weight = shapes.Of(node, 1);
                long[] output = shapes.Of(node.Output[0], node);
                long macsPerOutput = Product(weight.AsSpan(1));
                return 2 * Product(output) * macsPerOutput;
            }

            case "ConvTranspose":
            {
                // Each input element is scattered through (M/group) * prod(kernel) multiply-adds: W is [C, M/group, k...].
                long[] input = shapes.Of(node, 0);
                long[] weight = shapes.Of(node, 1);
                return 2 * Product(input) * Product(weight.AsSpan(1));
            }

            case "Gemm":
            {
                long[] a = shapes.Of(node, 0);
                long[] b = shapes.Of(node, 1);
                bool transA = Attributes.Int(node, "transA", 0) != 0;
                bool transB = Attributes.Int(node, "transB", 0) != 0;
                long m = transA ? a[1] : a[0];
                long k = transA ? a[0] : a[1];
                long n = transB ? b[0] : b[1];
                return 2 * m * k * n;
            }

            case "MatMul":
            {
                // numpy semantics: a 1-D operand is a row (left) or column (right) vector; leading dims broadcast.
                // Every output element is one dot product over the shared dimension k.
                long k = shapes.Of(node, 0)[^1];
                return 2 * Product(shapes.Of(node.Output[0], node)) * k;
            }

            default:
                return 0;
        }
    }

    internal static long Product(ReadOnlySpan<long> dims)
    {
        long product = 1;
        foreach (long d in dims)
        {
            product *= d;
        }

        return product;
    }
}

/// <summary>Reads node attributes with defaults.</summary>
internal static class Attributes
{
    public static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;

    public static long[]? Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.Ints.ToArray() : null;

    public static float[]? Floats(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.Floats.ToArray() : null;

    public static string? String(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.S.ToStringUtf8() : null;
}

/// <summary>
/// Static shapes of a graph's tensors at batch 1 (a symbolic dimension is taken as 1), inferred node by node in graph
/// order, with the values of small integer and float constants (reshape targets, split sizes, resize scales).
/// </summary>
internal sealed class ShapeInference
{
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _int64Values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _floatValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _declared = new(StringComparer.Ordinal);
    private readonly string _graphName;

    public ShapeInference(GraphProto graph)
    {
        _graphName = graph.Name;
        foreach (TensorProto initializer in graph.Initializer)
        {
            _shapes[initializer.Name] = initializer.Dims.ToArray();
            ReadConstant(initializer);
        }

        foreach (ValueInfoProto info in graph.ValueInfo.Concat(graph.Output))
        {
            if (StaticShape(info) is { } shape)
            {
                _declared[info.Name] = shape;
            }
        }

        foreach (ValueInfoProto input in graph.Input)
        {
            if (_shapes.ContainsKey(input.Name))
            {
                continue; // an initializer listed as an input (IR < 4 exports): its dims are already known
            }

            _shapes[input.Name] = StaticShape(input)
                ?? throw new NotSupportedException($"graph '{graph.Name}': input '{input.Name}' has no tensor shape; FLOPs need the input's dimensions.");
            // The batch is the first dimension of the first image-like input; a symbolic one counts as 1.
            if (Batch == 0)
            {
                Batch = _shapes[input.Name].Length > 0 ? Math.Max(1, _shapes[input.Name][0]) : 1;
            }
        }

        if (Batch == 0)
        {
            Batch = 1;
        }
    }

    /// <summary>Frames per graph call: the leading dimension of the first graph input (1 when symbolic).</summary>
    public long Batch { get; }

    /// <summary>The shape of input <paramref name="index"/> of <paramref name="node"/>.</summary>
    public long[] Of(NodeProto node, int index) => Of(node.Input[index], node);

    public long[] Of(string tensor, NodeProto node) =>
        _shapes.TryGetValue(tensor, out long[]? shape)
            ? shape
            : throw new NotSupportedException($"graph '{_graphName}': node '{node.Name}' ({node.OpType}) reads '{tensor}', whose shape is unknown.");

    private static bool Has(NodeProto node, int index) => node.Input.Count > index && node.Input[index].Length > 0;

    /// <summary>Infers the output shapes (and constant values) of <paramref name="node"/>.</summary>
    public void Infer(NodeProto node)
    {
        long[][]? outputs;
        try
        {
            outputs = InferOutputs(node);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            throw new NotSupportedException($"graph '{_graphName}': node '{node.Name}' ({node.OpType}): its shapes do not fit the op ({e.Message}).", e);
        }

        if (outputs is null)
        {
            // Not an op the inference knows: the graph's value_info may still declare what comes out.
            outputs = new long[node.Output.Count][];
            for (int i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i].Length > 0)
                {
                    outputs[i] = _declared.GetValueOrDefault(node.Output[i])
                        ?? throw new NotSupportedException(
                            $"graph '{_graphName}': node '{node.Name}': shape inference does not know op {node.OpType} and the graph declares no shape for '{node.Output[i]}'.");
                }
            }
        }

        for (int i = 0; i < node.Output.Count && i < outputs.Length; i++)
        {
            if (node.Output[i].Length > 0)
            {
                _shapes[node.Output[i]] = outputs[i];
            }
        }
    }

    private long[][]? InferOutputs(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Identity" or "Cast" or "Relu" or "LeakyRelu" or "Sigmoid" or "Tanh" or "Clip" or "HardSigmoid" or "HardSwish"
                or "Elu" or "Selu" or "Softplus" or "Erf" or "Exp" or "Log" or "Neg" or "Abs" or "Sqrt" or "Reciprocal" or "Softmax"
                or "LogSoftmax" or "BatchNormalization" or "InstanceNormalization" or "LayerNormalization" or "Dropout" or "PRelu"
                or "Gelu" or "Mish" or "Floor" or "Ceil" or "Round" or "Not" or "LRN":
                CopyConstant(node);
                return [Of(node, 0), .. Enumerable.Repeat(Of(node, 0), node.Output.Count - 1)];

            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Max" or "Min" or "Sum" or "Mean" or "Where" or "Equal" or "Less"
                or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Xor":
                return [node.Input.Where(i => i.Length > 0).Select(i => Of(i, node)).Aggregate(Broadcast)];

            case "Conv":
                return [ConvOutput(node)];

            case "ConvTranspose":
                return [ConvTransposeOutput(node)];

            case "MaxPool" or "AveragePool" or "LpPool":
            {
                long[] x = Of(node, 0);
                long[] kernel = Attributes.Ints(node, "kernel_shape") ?? throw new ArgumentException("no kernel_shape");
                long[] y = [x[0], x[1], .. SpatialOutput(node, x, kernel, Attributes.Int(node, "ceil_mode", 0) != 0)];
                return node.Output.Count > 1 ? [y, y] : [y];
            }

            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool":
            {
                long[] x = Of(node, 0);
                return [[x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)]];
            }

            case "Flatten":
            {
                long[] x = Of(node, 0);
                // Flatten's axis may equal the rank (everything in the first dimension).
                long axisAttribute = Attributes.Int(node, "axis", 1);
                int axis = axisAttribute == x.Length ? x.Length : NormalizeAxis(axisAttribute, x.Length);
                return [[FlopCounter.Product(x.AsSpan(0, axis)), FlopCounter.Product(x.AsSpan(axis))]];
            }

            case "Reshape":
                return [ReshapeOutput(Of(node, 0), Int64Value(node, 1))];

            case "Concat":
            {
                long[][] inputs = node.Input.Where(i => i.Length > 0).Select(i => Of(i, node)).ToArray();
                int axis = NormalizeAxis(Attributes.Int(node, "axis", 0), inputs[0].Length);
                long[] y = (long[])inputs[0].Clone();
                y[axis] = inputs.Sum(s => s[axis]);
                if (inputs.All(s => s.Length <= 1) && node.Input.All(_int64Values.ContainsKey))
                {
                    _int64Values[node.Output[0]] = node.Input.SelectMany(i => _int64Values[i]).ToArray();
                }

                return [y];
            }

            case "Split":
                return SplitOutputs(node);

            case "Transpose":
            {
                long[] x = Of(node, 0);
                long[] perm = Attributes.Ints(node, "perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
                return [perm.Select(p => x[p]).ToArray()];
            }

            case "Gemm":
            {
                long[] a = Of(node, 0), b = Of(node, 1);
                bool transA = Attributes.Int(node, "transA", 0) != 0, transB = Attributes.Int(node, "transB", 0) != 0;
                return [[transA ? a[1] : a[0], transB ? b[0] : b[1]]];
            }

            case "MatMul":
                return [MatMulOutput(Of(node, 0), Of(node, 1))];

            case "Resize" or "Upsample":
                return [ResizeOutput(node)];

            case "Slice":
                return [SliceOutput(node)];

            case "Squeeze":
            {
                long[] x = Of(node, 0);
                long[]? axes = Has(node, 1) ? Int64Value(node, 1) : Attributes.Ints(node, "axes");
                HashSet<int> drop = axes is null
                    ? Enumerable.Range(0, x.Length).Where(i => x[i] == 1).ToHashSet()
                    : axes.Select(a => NormalizeAxis(a, x.Length)).ToHashSet();
                return [x.Where((_, i) => !drop.Contains(i)).ToArray()];
            }

            case "Unsqueeze":
            {
                long[] x = Of(node, 0);
                long[] axes = (Has(node, 1) ? Int64Value(node, 1) : Attributes.Ints(node, "axes")) ?? throw new ArgumentException("no axes");
                int rank = x.Length + axes.Length;
                var inserted = axes.Select(a => NormalizeAxis(a, rank)).ToHashSet();
                var y = new long[rank];
                for (int i = 0, j = 0; i < rank; i++)
                {
                    y[i] = inserted.Contains(i) ? 1 : x[j++];
                }

                if (_int64Values.TryGetValue(node.Input[0], out long[]? value))
                {
                    _int64Values[node.Output[0]] = value;
                }

                return [y];
            }

            case "Shape":
            {
                long[] x = Of(node, 0);
                _int64Values[node.Output[0]] = x;
                return [[x.Length]];
            }

            case "Constant":
                return [ConstantOutput(node)];

            case "Pad":
            {
                long[] x = Of(node, 0);
                long[] pads = (Has(node, 1) ? Int64Value(node, 1) : Attributes.Ints(node, "pads")) ?? throw new ArgumentException("no pads");
                return [x.Select((d, i) => d + pads[i] + pads[i + x.Length]).ToArray()];
            }

            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ArgMax" or "ArgMin":
            {
                long[] x = Of(node, 0);
                bool keep = Attributes.Int(node, "keepdims", 1) != 0;
                long[]? axes = node.OpType is "ArgMax" or "ArgMin" ? [Attributes.Int(node, "axis", 0)]
                    : Has(node, 1) ? Int64Value(node, 1) : Attributes.Ints(node, "axes");
                HashSet<int> reduced = axes is null ? Enumerable.Range(0, x.Length).ToHashSet() : axes.Select(a => NormalizeAxis(a, x.Length)).ToHashSet();
                return [keep ? x.Select((d, i) => reduced.Contains(i) ? 1 : d).ToArray() : x.Where((_, i) => !reduced.Contains(i)).ToArray()];
            }

            default:
                return null;
        }
    }

    private long[] ConvOutput(NodeProto node)
    {
        long[] x = Of(node, 0);
        long[] w = Of(node, 1);
        long[] kernel = Attributes.Ints(node, "kernel_shape") ?? w[2..];
        return [x[0], w[0], .. SpatialOutput(node, x, kernel, ceil: false)];
    }

    private long[] ConvTransposeOutput(NodeProto node)
    {
        long[] x = Of(node, 0);
        long[] w = Of(node, 1);
        long group = Attributes.Int(node, "group", 1);
        long[] kernel = Attributes.Ints(node, "kernel_shape") ?? w[2..];
        int spatial = kernel.Length;
        if (Attributes.Ints(node, "output_shape") is { } explicitShape)
        {
            return [x[0], w[1] * group, .. explicitShape[^spatial..]];
        }

        long[] strides = Attributes.Ints(node, "strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] dilations = Attributes.Ints(node, "dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = Attributes.Ints(node, "pads") ?? new long[2 * spatial];
        long[] outputPadding = Attributes.Ints(node, "output_padding") ?? new long[spatial];
        var y = new long[spatial];
        for (int i = 0; i < spatial; i++)
        {
            y[i] = (strides[i] * (x[2 + i] - 1)) + outputPadding[i] + ((kernel[i] - 1) * dilations[i]) + 1 - pads[i] - pads[i + spatial];
        }

        return [x[0], w[1] * group, .. y];
    }

    /// <summary>Spatial output of a convolution or pooling window (ONNX's formulas, auto_pad included).</summary>
    private static long[] SpatialOutput(NodeProto node, long[] x, long[] kernel, bool ceil)
    {
        int spatial = kernel.Length;
        long[] strides = Attributes.Ints(node, "strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] dilations = Attributes.Ints(node, "dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        long[] pads = Attributes.Ints(node, "pads") ?? new long[2 * spatial];
        string autoPad = Attributes.String(node, "auto_pad") ?? "NOTSET";
        var y = new long[spatial];
        for (int i = 0; i < spatial; i++)
        {
            long input = x[2 + i];
            long window = ((kernel[i] - 1) * dilations[i]) + 1;
            y[i] = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => (input + strides[i] - 1) / strides[i],
                "VALID" => ((input - window) / strides[i]) + 1,
                _ => (ceil
                    ? (long)Math.Ceiling((double)(input + pads[i] + pads[i + spatial] - window) / strides[i])
                    : (input + pads[i] + pads[i + spatial] - window) / strides[i]) + 1,
            };
            if (y[i] <= 0)
            {
                throw new ArgumentException($"window {window} over input {input} leaves no output");
            }
        }

        return y;
    }

    private static long[] ReshapeOutput(long[] x, long[] target)
    {
        var y = new long[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            y[i] = target[i] switch
            {
                0 => x[i],
                -1 => 1,
                _ => target[i],
            };
            if (target[i] == -1)
            {
                inferred = i;
            }
        }

        if (inferred >= 0)
        {
            y[inferred] = FlopCounter.Product(x) / FlopCounter.Product(y);
        }

        if (FlopCounter.Product(y) != FlopCounter.Product(x))
        {
            throw new ArgumentException($"reshape of [{string.Join(",", x)}] to [{string.Join(",", target)}] changes the element count");
        }

        return y;
    }

    private long[][] SplitOutputs(NodeProto node)
    {
        long[] x = Of(node, 0);
        int axis = NormalizeAxis(Attributes.Int(node, "axis", 0), x.Length);
        long[] sizes = (Has(node, 1) ? Int64Value(node, 1) : Attributes.Ints(node, "split"))
            ?? Enumerable.Repeat(x[axis] / node.Output.Count, node.Output.Count).ToArray();
        return sizes.Select(size =>
        {
            long[] y = (long[])x.Clone();
            y[axis] = size;
            return y;
        }).ToArray();
    }

    private static long[] MatMulOutput(long[] a, long[] b)
    {
        long[] left = a.Length == 1 ? [1, a[0]] : a;
        long[] right = b.Length == 1 ? [b[0], 1] : b;
        if (left[^1] != right[^2])
        {
            throw new ArgumentException($"inner dimensions {left[^1]} and {right[^2]} differ");
        }

        long[] batch = Broadcast(left[..^2], right[..^2]);
        var y = new List<long>(batch);
        if (a.Length > 1)
        {
            y.Add(left[^2]);
        }

        if (b.Length > 1)
        {
            y.Add(right[^1]);
        }

        return [.. y];
    }

    private long[] ResizeOutput(NodeProto node)
    {
        long[] x = Of(node, 0);
        if (node.OpType == "Resize" && Has(node, 3))
        {
            long[] sizes = Int64Value(node, 3);
            return sizes.Length == x.Length ? sizes : throw new ArgumentException("sizes rank differs from the input's");
        }

        int scalesInput = node.OpType == "Resize" ? 2 : 1;
        float[] scales = (Has(node, scalesInput) ? FloatValue(node, scalesInput) : Attributes.Floats(node, "scales"))
            ?? throw new ArgumentException("neither scales nor sizes");
        return x.Select((d, i) => (long)Math.Floor(d * (double)scales[i])).ToArray();
    }

    private long[] SliceOutput(NodeProto node)
    {
        long[] x = Of(node, 0);
        long[] starts = Has(node, 1) ? Int64Value(node, 1) : Attributes.Ints(node, "starts") ?? throw new ArgumentException("no starts");
        long[] ends = Has(node, 2) ? Int64Value(node, 2) : Attributes.Ints(node, "ends") ?? throw new ArgumentException("no ends");
        long[] axes = (Has(node, 3) ? Int64Value(node, 3) : Attributes.Ints(node, "axes")) ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        long[] steps = Has(node, 4) ? Int64Value(node, 4) : Enumerable.Repeat(1L, starts.Length).ToArray();
        long[] y = (long[])x.Clone();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = NormalizeAxis(axes[i], x.Length);
            long dim = x[axis];
            long step = steps[i];
            long start = Clamp(starts[i] < 0 ? starts[i] + dim : starts[i], step > 0 ? 0 : -1, step > 0 ? dim : dim - 1);
            long end = Clamp(ends[i] < 0 ? ends[i] + dim : ends[i], step > 0 ? 0 : -1, step > 0 ? dim : dim - 1);
            y[axis] = step > 0 ? Math.Max(0, (end - start + step - 1) / step) : Math.Max(0, (start - end - step - 1) / -step);
        }

        return y;

        static long Clamp(long value, long min, long max) => Math.Min(Math.Max(value, min), max);
    }

    private long[] ConstantOutput(NodeProto node)
    {
        AttributeProto? value = node.Attribute.FirstOrDefault(a => a.Name == "value");
        if (value?.T is { } attributeTensor)
        {
            // A copy under the output's name: the model itself is left as it was.
            TensorProto tensor = attributeTensor.Clone();
            tensor.Name = node.Output[0];
            ReadConstant(tensor);
            return tensor.Dims.ToArray();
        }

        if (node.Attribute.FirstOrDefault(a => a.Name is "value_ints") is { } ints)
        {
            _int64Values[node.Output[0]] = ints.Ints.ToArray();
            return [ints.Ints.Count];
        }

        if (node.Attribute.FirstOrDefault(a => a.Name is "value_floats") is { } floats)
        {
            _floatValues[node.Output[0]] = floats.Floats.ToArray();
            return [floats.Floats.Count];
        }

        return [];
    }

    private void CopyConstant(NodeProto node)
    {
        if (node.OpType is not ("Identity" or "Cast"))
        {
            return;
        }

        // Casts carry constants through: an fp16 model casts its Resize scales back to float around the fp32 Resize.
        if (_int64Values.TryGetValue(node.Input[0], out long[]? integers))
        {
            _int64Values[node.Output[0]] = integers;
        }

        if (_floatValues.TryGetValue(node.Input[0], out float[]? floats))
        {
            _floatValues[node.Output[0]] = floats;
        }
    }

    private long[] Int64Value(NodeProto node, int index) =>
        _int64Values.TryGetValue(node.Input[index], out long[]? value)
            ? value
            : throw new NotSupportedException(
                $"graph '{_graphName}': node '{node.Name}' ({node.OpType}): input '{node.Input[index]}' is computed at run time; FLOPs need it constant.");

    private float[]? FloatValue(NodeProto node, int index)
    {
        if (_floatValues.TryGetValue(node.Input[index], out float[]? value))
        {
            return value;
        }

        // An empty scales input (Resize with sizes) is an initializer with no elements.
        return _shapes.TryGetValue(node.Input[index], out long[]? shape) && FlopCounter.Product(shape) == 0
            ? null
            : throw new NotSupportedException(
                $"graph '{_graphName}': node '{node.Name}' ({node.OpType}): input '{node.Input[index]}' is computed at run time; FLOPs need it constant.");
    }

    /// <summary>Keeps the values of small int64 and float tensors (shape and scale arguments); weights are skipped.</summary>
    private void ReadConstant(TensorProto tensor)
    {
        const int MaxElements = 64;
        long count = FlopCounter.Product(tensor.Dims.ToArray());
        if (count > MaxElements)
        {
            return;
        }

        if (tensor.DataType == (int)TensorProto.Types.DataType.Int64)
        {
            _int64Values[tensor.Name] = tensor.Int64Data.Count > 0
                ? tensor.Int64Data.ToArray()
                : Enumerable.Range(0, tensor.RawData.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(tensor.RawData.Span[(i * 8)..])).ToArray();
        }
        else if (tensor.DataType == (int)TensorProto.Types.DataType.Float)
        {
            _floatValues[tensor.Name] = tensor.FloatData.Count > 0
                ? tensor.FloatData.ToArray()
                : Enumerable.Range(0, tensor.RawData.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(tensor.RawData.Span[(i * 4)..])).ToArray();
        }
        else if (tensor.DataType == (int)TensorProto.Types.DataType.Float16)
        {
            // An fp16 model's scales (Resize): raw_data holds halves, int32_data their bit patterns.
            _floatValues[tensor.Name] = tensor.Int32Data.Count > 0
                ? tensor.Int32Data.Select(bits => (float)BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray()
                : Enumerable.Range(0, tensor.RawData.Length / 2).Select(i => (float)BinaryPrimitives.ReadHalfLittleEndian(tensor.RawData.Span[(i * 2)..])).ToArray();
        }
    }

    /// <summary>numpy broadcasting of two shapes.</summary>
    private static long[] Broadcast(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var y = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            long db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            y[i] = da == db || db == 1 ? da : da == 1 ? db : throw new ArgumentException($"dimensions {da} and {db} do not broadcast");
        }

        return y;
    }

    private static int NormalizeAxis(long axis, int rank) =>
        (int)(axis < 0 ? axis + rank : axis) is int normalized && normalized >= 0 && normalized < rank
            ? normalized
            : throw new ArgumentException($"axis {axis} outside rank {rank}");

    /// <summary>A value_info's dimensions with symbolic ones as 1; null when it declares no shape.</summary>
    private static long[]? StaticShape(ValueInfoProto info)
    {
        TensorShapeProto? shape = info.Type?.TensorType?.Shape;
        if (shape is null)
        {
            return null;
        }

        return shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? d.DimValue : 1L).ToArray();
    }
}
