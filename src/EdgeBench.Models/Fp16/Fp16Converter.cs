using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Models.Fp16;

/// <summary>Options of <see cref="Fp16Converter"/>.</summary>
public sealed record Fp16ConversionOptions
{
    /// <summary>
    /// The op types kept in fp32 with Cast nodes around them: onnxconverter-common's default block list, i.e. ops that
    /// either have no fp16 form in the ONNX spec (ai.onnx.ml) or lose meaning in fp16 (index ranges, NMS thresholds,
    /// Resize coordinate arithmetic, running sums).
    /// </summary>
    public static IReadOnlySet<string> DefaultBlockedOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer",
        "Imputer", "LabelEncoder", "LinearClassifier", "LinearRegressor", "Normalizer", "OneHotEncoder",
        "RandomUniformLike", "SVMClassifier", "SVMRegressor", "Scaler", "TreeEnsembleClassifier",
        "TreeEnsembleRegressor", "ZipMap", "NonMaxSuppression", "TopK", "RoiAlign", "Resize", "Range", "CumSum",
        "Min", "Max", "Upsample",
    };

    /// <summary>
    /// Keep the graph's float inputs and outputs fp32 and convert at the graph's edges with Cast nodes, so callers
    /// feed and read float. When false (the default), inputs and outputs become float16 as well.
    /// </summary>
    public bool KeepIoTypes { get; init; }

    /// <summary>Op types computed in fp32 (see <see cref="DefaultBlockedOps"/>).</summary>
    public IReadOnlySet<string> BlockedOps { get; init; } = DefaultBlockedOps;
}

/// <summary>
/// Converts an fp32 ONNX model to fp16: float initializers, Constant/ConstantOfShape values, Cast targets, value
/// types and (optionally) the graph's inputs and outputs. Works on any model, so a user's own model gets an fp16
/// variant too.
/// </summary>
/// <remarks>
/// <para>Ops without an fp16 form: the op types in <see cref="Fp16ConversionOptions.BlockedOps"/> stay fp32, with a
/// Cast to float before each float input and a Cast back to float16 after each float output. Ops that do have an
/// fp16 form in the spec but no fp16 kernel in a given execution provider are left to ONNX Runtime: on the CPU EP its
/// graph transformer (InsertCastTransformer) wraps such nodes in Casts and runs them in fp32, so the model still
/// runs, but those nodes gain nothing from fp16 there. GPU providers (CUDA, TensorRT) have fp16 kernels for the
/// convolution, activation, pooling and elementwise ops EdgeBench's models use.</para>
/// <para>Values outside float16's range are clamped as onnxconverter-common does: magnitudes above 65504 to ±65504,
/// non-zero magnitudes below 2^-24 (the smallest subnormal) to ±2^-24, so no weight becomes infinite or silently
/// zero. Graphs with subgraphs (If, Loop, Scan) are refused.</para>
/// </remarks>
public static class Fp16Converter
{
    private const float MaxFinite = 65504f;
    private const float MinPositive = 5.96e-08f;

    /// <summary>Returns an fp16 copy of <paramref name="source"/>; the source is not modified.</summary>
    public static ModelProto Convert(ModelProto source, Fp16ConversionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new Fp16ConversionOptions();
        ModelProto model = source.Clone();
        GraphProto graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(source));

        foreach (NodeProto node in graph.Node)
        {
            if (node.Attribute.Any(a => a.Type is AttributeProto.Types.AttributeType.Graph or AttributeProto.Types.AttributeType.Graphs))
            {
                throw new NotSupportedException($"fp16 conversion of graphs with subgraphs is not supported (node '{node.Name}', op {node.OpType}).");
            }
        }

        Dictionary<string, int> types = InferElementTypes(graph);
        bool IsFloat(string name) => name.Length > 0 && types.TryGetValue(name, out int t) && t == (int)DataType.Float;

        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        var prologue = new List<NodeProto>();
        var epilogue = new List<NodeProto>();

        // Graph inputs/outputs: either retype them, or keep them float and cast at the edge. Old IR (< 4) models also
        // list initializers as inputs; those follow their initializer, which always becomes float16.
        var initializerNames = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (ValueInfoProto input in graph.Input.Where(i => IsFloat(i.Name)))
        {
            if (options.KeepIoTypes && !initializerNames.Contains(input.Name))
            {
                string inner = input.Name + "_fp16";
                renames[input.Name] = inner;
                prologue.Add(CastNode(input.Name, inner, DataType.Float16));
            }
            else
            {
                input.Type.TensorType.ElemType = (int)DataType.Float16;
            }
        }

        var outputRenames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ValueInfoProto output in graph.Output.Where(o => IsFloat(o.Name)))
        {
            if (options.KeepIoTypes)
            {
                string inner = output.Name + "_fp16";
                outputRenames[output.Name] = inner;
                epilogue.Add(CastNode(inner, output.Name, DataType.Float));
            }
            else
            {
                output.Type.TensorType.ElemType = (int)DataType.Float16;
            }
        }

        var nodes = new List<NodeProto>(graph.Node.Count + prologue.Count + epilogue.Count);
        nodes.AddRange(prologue);
        foreach (NodeProto node in graph.Node)
        {
            // Types are known by the fp32 graph's names; remember them before the edges are renamed.
            string[] originalInputs = [.. node.Input];
            string[] originalOutputs = [.. node.Output];
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (renames.TryGetValue(node.Input[i], out string? renamed) || outputRenames.TryGetValue(node.Input[i], out renamed))
                {
                    node.Input[i] = renamed;
                }
            }

            for (int i = 0; i < node.Output.Count; i++)
            {
                if (outputRenames.TryGetValue(node.Output[i], out string? renamed))
                {
                    node.Output[i] = renamed;
                }
            }

            if (!options.BlockedOps.Contains(node.OpType))
            {
                ConvertNodeAttributes(node);
                nodes.Add(node);
                continue;
            }

            // Run this node in fp32: cast each float input to float before it, and each float output back after it.
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (IsFloat(originalInputs[i]))
                {
                    string fp32 = $"{node.Input[i]}_fp32_for_{node.Name}_{i}";
                    nodes.Add(CastNode(node.Input[i], fp32, DataType.Float));
                    node.Input[i] = fp32;
                }
            }

            nodes.Add(node);
            for (int i = 0; i < node.Output.Count; i++)
            {
                if (IsFloat(originalOutputs[i]))
                {
                    string fp16 = node.Output[i];
                    node.Output[i] = fp16 + "_fp32";
                    nodes.Add(CastNode(node.Output[i], fp16, DataType.Float16));
                }
            }
        }

        nodes.AddRange(epilogue);
        graph.Node.Clear();
        graph.Node.Add(nodes);

        foreach (TensorProto initializer in graph.Initializer)
        {
            ConvertTensor(initializer);
        }

        foreach (ValueInfoProto info in graph.ValueInfo)
        {
            if (info.Type?.TensorType is { ElemType: (int)DataType.Float } tensorType)
            {
                tensorType.ElemType = (int)DataType.Float16;
            }
        }

        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = "edgebench.fp16",
            Value = $"converted by EdgeBench Fp16Converter; keep_io_types={options.KeepIoTypes}; blocked ops kept fp32: {string.Join(',', options.BlockedOps.Order(StringComparer.Ordinal))}",
        });
        return model;
    }

    /// <summary>
    /// Element types of every tensor name of the (fp32) graph: inputs, initializers and value_info, then node outputs
    /// propagated in graph order (ONNX requires topological order). Only "is it float?" matters to the converter.
    /// </summary>
    internal static Dictionary<string, int> InferElementTypes(GraphProto graph)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (ValueInfoProto v in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
        {
            if (v.Type?.TensorType is { } t)
            {
                types[v.Name] = t.ElemType;
            }
        }

        foreach (TensorProto t in graph.Initializer)
        {
            types[t.Name] = t.DataType;
        }

        foreach (NodeProto node in graph.Node)
        {
            int firstInput = node.Input.Where(i => i.Length > 0).Select(i => types.GetValueOrDefault(i)).FirstOrDefault();
            for (int o = 0; o < node.Output.Count; o++)
            {
                string name = node.Output[o];
                if (name.Length == 0 || types.ContainsKey(name))
                {
                    continue;
                }

                types[name] = node.OpType switch
                {
                    "Cast" => (int)node.Attribute.First(a => a.Name == "to").I,
                    "Constant" => ConstantType(node),
                    "ConstantOfShape" => node.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType ?? (int)DataType.Float,
                    "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" or "NonMaxSuppression" => (int)DataType.Int64,
                    "TopK" when o == 1 => (int)DataType.Int64,
                    "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Not" or "Xor"
                        or "IsNaN" or "IsInf" => (int)DataType.Bool,
                    "Where" => types.GetValueOrDefault(node.Input[1]),
                    _ => firstInput,
                };
            }
        }

        return types;
    }

    private static int ConstantType(NodeProto node)
    {
        AttributeProto a = node.Attribute[0];
        return a.Name switch
        {
            "value" => a.T.DataType,
            "value_float" or "value_floats" => (int)DataType.Float,
            "value_int" or "value_ints" => (int)DataType.Int64,
            "value_string" or "value_strings" => (int)DataType.String,
            _ => (int)DataType.Undefined,
        };
    }

    private static void ConvertNodeAttributes(NodeProto node)
    {
        foreach (AttributeProto attribute in node.Attribute)
        {
            if (node.OpType == "Cast" && attribute.Name == "to" && attribute.I == (int)DataType.Float)
            {
                attribute.I = (int)DataType.Float16;
            }
            else if (attribute.Type == AttributeProto.Types.AttributeType.Tensor && attribute.T is not null)
            {
                ConvertTensor(attribute.T);
            }
            else if (node.OpType == "Constant" && attribute.Name is "value_float" or "value_floats")
            {
                // Re-express as a float16 tensor attribute: value_float(s) are fp32 by definition.
                float[] values = attribute.Name == "value_float" ? [attribute.F] : [.. attribute.Floats];
                long[] dims = attribute.Name == "value_float" ? [] : [values.Length];
                attribute.Name = "value";
                attribute.Type = AttributeProto.Types.AttributeType.Tensor;
                attribute.F = 0;
                attribute.Floats.Clear();
                attribute.T = new TensorProto { DataType = (int)DataType.Float };
                attribute.T.Dims.Add(dims);
                attribute.T.FloatData.Add(values);
                ConvertTensor(attribute.T);
            }
        }
    }

    /// <summary>Rewrites a float tensor as float16 raw_data (clamped, see remarks of the class); other types untouched.</summary>
    internal static void ConvertTensor(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Float)
        {
            return;
        }

        ReadOnlySpan<float> values = tensor.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span)
            : [.. tensor.FloatData];
        var halves = new Half[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            halves[i] = ToHalfClamped(values[i]);
        }

        tensor.FloatData.Clear();
        tensor.DataType = (int)DataType.Float16;
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan()));
    }

    internal static Half ToHalfClamped(float value)
    {
        float magnitude = MathF.Abs(value);
        if (float.IsNaN(value) || magnitude == 0f)
        {
            return (Half)value;
        }

        if (magnitude > MaxFinite && !float.IsInfinity(value))
        {
            return (Half)MathF.CopySign(MaxFinite, value);
        }

        if (magnitude < MinPositive)
        {
            return (Half)MathF.CopySign(MinPositive, value);
        }

        return (Half)value;
    }

    private static NodeProto CastNode(string input, string output, DataType to)
    {
        var node = new NodeProto { OpType = "Cast", Name = "cast_" + output };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (int)to });
        return node;
    }
}
