using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgeBench.Models.Int8;

/// <summary>
/// Static int8 quantization in ONNX's QDQ form: per-channel symmetric int8 weights, per-tensor uint8 activations from
/// calibrated ranges, int32 biases, with QuantizeLinear/DequantizeLinear placed so ONNX Runtime's CPU provider fuses
/// each group into one integer kernel (QLinearConv, QGemm, QLinearAdd, ...). Works on any model, so a user's own model
/// gets an int8 variant too; no Python at run time.
/// </summary>
/// <remarks>
/// <para>Defaults follow ONNX Runtime's own tool (<c>onnxruntime.quantization.quantize_static</c>) where they make
/// sense here: QDQ format, asymmetric activations (a zero point, so a ReLU's [0, max] range uses all 256 levels),
/// symmetric weights ([-127, 127], zero point 0), int32 biases with scale = input scale x weight scale, no
/// reduce_range (7-bit weights only help CPUs without VNNI, whose VPMADDUBSW can saturate; this VM has AVX-512 VNNI
/// and current ARM cores have dot-product instructions). Two choices differ from the tool's defaults:
/// activations are uint8, not int8 ("U8S8", not "S8S8"): ONNX Runtime fuses a QDQ Conv with int8 activations into
/// QLinearConv only on ARM (<c>QDQIsInt8Allowed()</c> is false on x86), so S8S8 Convs stay float on x86 (measured:
/// 0 of 2 Convs fused in the unit test's network), while U8S8 is the native form of VNNI's VPDPBUSD and runs as
/// integer kernels on both; and weights are per channel (the tool's <c>per_channel=True</c>), as per-tensor weights
/// lose depthwise convolutions (MobileNetV2), whose channels differ by orders of magnitude.</para>
/// <para>Placement, as the tool does it: every float activation read or written by a quantizable op
/// (<see cref="QuantizedOps"/>) gets one shared Q/DQ pair after its producer, and every consumer reads the DQ output.
/// A Relu or Clip that alone consumes a quantizable op's output takes that Q/DQ pair (the op's output is left
/// unquantized): ONNX Runtime then drops the activation into the Q's range (ReluQuantFusion, ClipQuantFusion) and the
/// op with its Q/DQ becomes one integer kernel, as with the tool's removable activations. Graph outputs stay float
/// (no Q/DQ), so a model's final scores are not rounded to 8 bits; a Gemm or MatMul there still runs as an integer
/// kernel with float output.</para>
/// <para>The source should be ONNX Runtime's basic-level optimization of the fp32 model (BatchNormalization folded
/// into Conv, constants folded), as the tool's pre-processing does; the caller (<see cref="IInt8Quantizer"/>)
/// produces it. Per-axis QuantizeLinear/DequantizeLinear need opset 13: older models are raised to 13, rewriting
/// the ops whose attributes became inputs (Split, Squeeze, Unsqueeze, ReduceSum); a model with an op that changed
/// in other ways is refused, naming it.</para>
/// </remarks>
public static class QdqQuantizer
{
    /// <summary>Changes whenever the output of this class changes; part of the cache key.</summary>
    public const string Version = "qdq-1";

    /// <summary>The opset that has per-axis QuantizeLinear/DequantizeLinear.</summary>
    public const int MinimumOpset = 13;

    /// <summary>The metadata key that records how a file was quantized.</summary>
    public const string MetadataKey = "edgebench.int8";

    /// <summary>
    /// Ops whose float inputs and outputs are quantized: those ONNX Runtime's CPU provider runs as integer kernels from
    /// a QDQ group (Conv, Gemm, MatMul, Add, Mul, pools, Concat, Sigmoid, LeakyRelu, Resize), those it runs on int8
    /// directly once their Q/DQ are dropped (MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze) and the
    /// activations it folds into a Q (Relu, Clip). Everything else (Softmax, Sub, Div, Exp, Split, ...) stays float,
    /// reading the DQ output of a quantized producer.
    /// </summary>
    public static IReadOnlySet<string> QuantizedOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "Gemm", "MatMul", "Add", "Mul", "MaxPool", "AveragePool", "GlobalAveragePool", "Concat", "Sigmoid",
        "LeakyRelu", "Resize", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Relu", "Clip",
    };

    private static readonly HashSet<string> RemovableActivations = new(StringComparer.Ordinal) { "Relu", "Clip" };

    private const sbyte WeightMax = 127;

    /// <summary>
    /// The float activations whose ranges <see cref="Quantize"/> needs, in graph order: calibrate these (add them as
    /// graph outputs and record min/max over the frames).
    /// </summary>
    public static IReadOnlyList<string> ActivationsToCalibrate(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Plan(model.Graph).Activations;
    }

    /// <summary>
    /// Returns the QDQ int8 copy of <paramref name="source"/>; <paramref name="ranges"/> must hold every tensor of
    /// <see cref="ActivationsToCalibrate"/>. <paramref name="provenance"/> (calibration method and frames) is recorded in
    /// the file's metadata beside the quantizer's options.
    /// </summary>
    public static ModelProto Quantize(ModelProto source, IReadOnlyDictionary<string, ActivationRange> ranges, string provenance)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(ranges);
        ModelProto model = source.Clone();
        GraphProto graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(source));
        foreach (NodeProto node in graph.Node)
        {
            if (node.Attribute.Any(a => a.Type is AttributeProto.Types.AttributeType.Graph or AttributeProto.Types.AttributeType.Graphs))
            {
                throw new NotSupportedException($"int8 quantization of graphs with subgraphs is not supported (node '{node.Name}', op {node.OpType}).");
            }
        }

        RaiseOpset(model);
        QuantizationPlan plan = Plan(graph);
        var names = new UniqueNames(graph);
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var activationParameters = new Dictionary<string, (float Scale, byte ZeroPoint)>(StringComparer.Ordinal);
        foreach (string activation in plan.Activations)
        {
            if (!ranges.TryGetValue(activation, out ActivationRange range))
            {
                throw new CalibrationException($"no calibrated range for tensor '{activation}': the calibration did not record it (calibrate every tensor of ActivationsToCalibrate)");
            }

            if (!float.IsFinite(range.Min) || !float.IsFinite(range.Max) || range.Min > range.Max)
            {
                throw new CalibrationException($"tensor '{activation}' has calibrated range [{range.Min}, {range.Max}]; expected finite values with min <= max");
            }

            activationParameters[activation] = ActivationParameters(range);
        }

        var dqOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var newNodes = new List<NodeProto>(graph.Node.Count * 3);
        var newInitializers = new List<TensorProto>();
        var replacedWeights = new HashSet<string>(StringComparer.Ordinal);

        void AddQdq(string tensor)
        {
            (float scale, byte zeroPoint) = activationParameters[tensor];
            string scaleName = names.Next(tensor + "_scale"), zeroName = names.Next(tensor + "_zero_point");
            string quantized = names.Next(tensor + "_quantized"), dequantized = names.Next(tensor + "_dequantized");
            newInitializers.Add(ScalarFloat(scaleName, scale));
            newInitializers.Add(UInt8Tensor(zeroName, [zeroPoint], []));
            newNodes.Add(Node("QuantizeLinear", names.Next(tensor + "_QuantizeLinear"), [tensor, scaleName, zeroName], [quantized]));
            newNodes.Add(Node("DequantizeLinear", names.Next(tensor + "_DequantizeLinear"), [quantized, scaleName, zeroName], [dequantized]));
            dqOf[tensor] = dequantized;
        }

        foreach (ValueInfoProto input in graph.Input.Where(i => plan.ActivationSet.Contains(i.Name)))
        {
            AddQdq(input.Name);
        }

        foreach (NodeProto node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (dqOf.TryGetValue(node.Input[i], out string? dequantized))
                {
                    node.Input[i] = dequantized;
                }
            }

            if (plan.WeightAxis.TryGetValue(node, out int axis))
            {
                QuantizeWeightAndBias(node, axis, initializers, activationParameters, plan, names, newNodes, newInitializers, replacedWeights);
            }

            newNodes.Add(node);
            foreach (string output in node.Output.Where(plan.ActivationSet.Contains))
            {
                AddQdq(output);
            }
        }

        // A weight replaced by its int8 form is dropped unless something else still reads it in float.
        var stillRead = newNodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var kept = graph.Initializer.Where(t => !replacedWeights.Contains(t.Name) || stillRead.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.Add(kept);
        graph.Initializer.Add(newInitializers);
        var keptNames = kept.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !replacedWeights.Contains(i.Name) || keptNames.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.Add(inputs);
        graph.Node.Clear();
        graph.Node.Add(newNodes);

        string options = string.Create(CultureInfo.InvariantCulture,
            $"{Version}: QDQ; weights int8 symmetric per channel (Conv axis 0, Gemm/MatMul output channel); activations uint8 asymmetric per tensor; bias int32; reduce_range off; {plan.Activations.Count} activations, {plan.WeightAxis.Count} weighted ops; {provenance}");
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = options });
        return model;
    }

    /// <summary>
    /// Symmetric per-channel int8 quantization of a weight tensor along <paramref name="axis"/>: per channel
    /// scale = max|w| / 127 (1 where the channel is all zeros, as ONNX Runtime's tool does), q = round-half-even(w / scale)
    /// clamped to [-127, 127].
    /// </summary>
    public static (sbyte[] Values, float[] Scales) QuantizePerChannel(ReadOnlySpan<float> weights, IReadOnlyList<long> dims, int axis)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (axis < 0 || axis >= dims.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"axis must index the weight's {dims.Count} dimensions");
        }

        long total = dims.Aggregate(1L, (a, d) => a * d);
        if (total != weights.Length)
        {
            throw new ArgumentException($"The weight has {weights.Length} values but dims [{string.Join(',', dims)}] hold {total}.", nameof(weights));
        }

        int channels = checked((int)dims[axis]);
        int inner = checked((int)dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d));
        int outer = channels == 0 || inner == 0 ? 0 : weights.Length / (channels * inner);
        var scales = new float[channels];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<float> block = weights.Slice(((o * channels) + c) * inner, inner);
                for (int i = 0; i < block.Length; i++)
                {
                    scales[c] = MathF.Max(scales[c], MathF.Abs(block[i]));
                }
            }
        }

        for (int c = 0; c < channels; c++)
        {
            scales[c] = scales[c] > 0 ? scales[c] / WeightMax : 1f;
        }

        var values = new sbyte[weights.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                int start = ((o * channels) + c) * inner;
                float scale = scales[c];
                for (int i = start; i < start + inner; i++)
                {
                    values[i] = (sbyte)Math.Clamp(MathF.Round(weights[i] / scale, MidpointRounding.ToEven), -WeightMax, WeightMax);
                }
            }
        }

        return (values, scales);
    }

    /// <summary>
    /// Asymmetric uint8 parameters of an activation range, as ONNX Runtime's tool computes them: the range is widened to
    /// hold 0 (so zero padding is exact), scale = (max - min) / 255, zero point = round(-min / scale); an all-zero range
    /// gets scale 1, zero point 0.
    /// </summary>
    public static (float Scale, byte ZeroPoint) ActivationParameters(ActivationRange range)
    {
        float min = MathF.Min(range.Min, 0f), max = MathF.Max(range.Max, 0f);
        if (max - min <= float.Epsilon)
        {
            return (1f, 0);
        }

        float scale = (max - min) / 255f;
        float zeroPoint = MathF.Round(-min / scale, MidpointRounding.ToEven);
        return (scale, (byte)Math.Clamp(zeroPoint, 0f, 255f));
    }

    /// <summary>QuantizeLinear then DequantizeLinear of one value, as ONNX defines them (round half to even, saturate).</summary>
    public static float RoundTrip(float value, float scale, int zeroPoint, int min = 0, int max = 255)
    {
        float q = Math.Clamp(MathF.Round(value / scale, MidpointRounding.ToEven) + zeroPoint, min, max);
        return (q - zeroPoint) * scale;
    }

    private static void QuantizeWeightAndBias(NodeProto node, int axis, Dictionary<string, TensorProto> initializers,
        Dictionary<string, (float Scale, byte ZeroPoint)> activationParameters, QuantizationPlan plan, UniqueNames names,
        List<NodeProto> newNodes, List<TensorProto> newInitializers, HashSet<string> replacedWeights)
    {
        TensorProto weight = initializers[node.Input[1]];
        long[] dims = [.. weight.Dims];
        (sbyte[] values, float[] scales) = QuantizePerChannel(ReadFloats(weight), dims, axis);
        string weightName = weight.Name;
        string quantizedName = names.Next(weightName + "_int8"), scaleName = names.Next(weightName + "_scale");
        string zeroName = names.Next(weightName + "_zero_point"), dequantized = names.Next(weightName + "_dequantized");
        newInitializers.Add(Int8Tensor(quantizedName, values, dims));
        newInitializers.Add(FloatTensor(scaleName, scales, [scales.Length]));
        newInitializers.Add(Int8Tensor(zeroName, new sbyte[scales.Length], [scales.Length]));
        NodeProto dq = Node("DequantizeLinear", names.Next(weightName + "_DequantizeLinear"), [quantizedName, scaleName, zeroName], [dequantized]);
        dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
        newNodes.Add(dq);
        node.Input[1] = dequantized;
        replacedWeights.Add(weightName);

        // The bias as int32 at scale (input scale x weight scale), as integer kernels add it to the int32 accumulator.
        // Only where the input is quantized and the bias is one value per output channel.
        string activation = plan.OriginalInput0[node];
        bool scaledBias = node.Attribute.FirstOrDefault(a => a.Name == "beta") is { } beta && beta.F != 1f;
        if (scaledBias || node.Input.Count < 3 || !initializers.TryGetValue(node.Input[2], out TensorProto? bias)
            || !activationParameters.TryGetValue(activation, out (float Scale, byte ZeroPoint) input)
            || bias.DataType != (int)DataType.Float || bias.Dims.Count != 1 || bias.Dims[0] != scales.Length)
        {
            return;
        }

        ReadOnlySpan<float> biasValues = ReadFloats(bias);
        var biasScales = new float[scales.Length];
        var biasQuantized = new int[scales.Length];
        for (int c = 0; c < scales.Length; c++)
        {
            biasScales[c] = input.Scale * scales[c];
            double q = Math.Round(biasValues[c] / (double)biasScales[c], MidpointRounding.ToEven);
            biasQuantized[c] = (int)Math.Clamp(q, int.MinValue, int.MaxValue);
        }

        string biasName = bias.Name;
        string biasInt = names.Next(biasName + "_int32"), biasScale = names.Next(biasName + "_scale");
        string biasZero = names.Next(biasName + "_zero_point"), biasDq = names.Next(biasName + "_dequantized");
        newInitializers.Add(Int32Tensor(biasInt, biasQuantized, [biasQuantized.Length]));
        newInitializers.Add(FloatTensor(biasScale, biasScales, [biasScales.Length]));
        newInitializers.Add(Int32Tensor(biasZero, new int[biasScales.Length], [biasScales.Length]));
        NodeProto biasNode = Node("DequantizeLinear", names.Next(biasName + "_DequantizeLinear"), [biasInt, biasScale, biasZero], [biasDq]);
        biasNode.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        newNodes.Add(biasNode);
        node.Input[2] = biasDq;
        replacedWeights.Add(biasName);
    }

    private sealed record QuantizationPlan(
        IReadOnlyList<string> Activations, HashSet<string> ActivationSet, Dictionary<NodeProto, int> WeightAxis, Dictionary<NodeProto, string> OriginalInput0);

    private static QuantizationPlan Plan(GraphProto graph)
    {
        var initializerNames = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        Dictionary<string, int> types = Fp16.Fp16Converter.InferElementTypes(graph);
        bool IsFloatActivation(string name) => name.Length > 0 && !initializerNames.Contains(name)
            && types.TryGetValue(name, out int t) && t == (int)DataType.Float;

        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (NodeProto node in graph.Node)
        {
            foreach (string input in node.Input.Where(i => i.Length > 0))
            {
                if (!consumers.TryGetValue(input, out List<NodeProto>? list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }
        }

        var ordered = new List<string>();
        var set = new HashSet<string>(StringComparer.Ordinal);
        void Add(string name)
        {
            if (IsFloatActivation(name) && !outputs.Contains(name) && set.Add(name))
            {
                ordered.Add(name);
            }
        }

        // By reference: protobuf messages compare by value, and Quantize rewrites the nodes' inputs.
        var weightAxis = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        var input0 = new Dictionary<NodeProto, string>(ReferenceEqualityComparer.Instance);
        foreach (NodeProto node in graph.Node.Where(n => QuantizedOps.Contains(n.OpType)))
        {
            // Shape-like inputs (Reshape's shape, Resize's scales, Clip's bounds) are not activations of the op.
            int dataInputs = node.OpType switch
            {
                "Reshape" or "Squeeze" or "Unsqueeze" or "Resize" => 1,
                "Conv" or "Gemm" or "MatMul" => 1,
                // A Relu/Clip's input is its producer's output, quantized or not by the rule below.
                "Relu" or "Clip" => 0,
                _ => node.Input.Count,
            };
            foreach (string input in node.Input.Take(dataInputs))
            {
                Add(input);
            }

            if (node.OpType is "Conv" or "Gemm" or "MatMul" && node.Input.Count > 1 && initializerNames.Contains(node.Input[1])
                && graph.Initializer.First(t => t.Name == node.Input[1]) is { DataType: (int)DataType.Float } weight
                && WeightAxis(node, weight) is int axis)
            {
                weightAxis[node] = axis;
                input0[node] = node.Input[0];
            }
            else if (node.OpType is "Conv" or "Gemm" or "MatMul")
            {
                foreach (string input in node.Input.Skip(1).Take(1))
                {
                    Add(input);
                }
            }

            foreach (string output in node.Output.Where(o => o.Length > 0))
            {
                // A lone Relu/Clip after this op carries the Q/DQ instead (see the class remarks).
                bool activationFollows = !RemovableActivations.Contains(node.OpType)
                    && consumers.TryGetValue(output, out List<NodeProto>? readers) && readers.Count == 1
                    && RemovableActivations.Contains(readers[0].OpType);
                if (!activationFollows)
                {
                    Add(output);
                }
            }
        }

        // Graph order (producers first), so calibration and Q/DQ insertion walk the graph once.
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (ValueInfoProto input in graph.Input)
        {
            position.TryAdd(input.Name, -1);
        }

        for (int i = 0; i < graph.Node.Count; i++)
        {
            foreach (string output in graph.Node[i].Output)
            {
                position.TryAdd(output, i);
            }
        }

        ordered = [.. ordered.OrderBy(n => position.GetValueOrDefault(n, int.MaxValue))];
        return new QuantizationPlan(ordered, set, weightAxis, input0);
    }

    /// <summary>The output-channel axis of a weight: Conv's M of [M, C/g, kH, kW]; Gemm's N ([N, K] with transB, else [K, N]); MatMul's last.</summary>
    private static int? WeightAxis(NodeProto node, TensorProto weight)
    {
        int rank = weight.Dims.Count;
        switch (node.OpType)
        {
            case "Conv" when rank >= 3:
                return 0;
            case "Gemm" when rank == 2:
                bool transB = node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
                return transB ? 0 : 1;
            case "MatMul" when rank == 2:
                return 1;
            default:
                return null;
        }
    }

    /// <summary>
    /// Raises the default domain to opset 13 (per-axis Q/DQ). The ops whose attribute became an input by 13 are
    /// rewritten; an op whose meaning changed otherwise below 13 is refused, naming it.
    /// </summary>
    private static void RaiseOpset(ModelProto model)
    {
        OperatorSetIdProto? onnx = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (onnx is null)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = MinimumOpset });
            return;
        }

        long opset = onnx.Version;
        if (opset >= MinimumOpset)
        {
            return;
        }

        GraphProto graph = model.Graph;
        var names = new UniqueNames(graph);
        foreach (NodeProto node in graph.Node.Where(n => n.Domain is "" or "ai.onnx"))
        {
            string? moved = node.OpType switch
            {
                "Split" => "split",
                "Squeeze" or "Unsqueeze" or "ReduceSum" => "axes",
                _ => null,
            };
            if (moved is not null)
            {
                AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == moved);
                if (attribute is not null)
                {
                    string name = names.Next($"{node.Name}_{moved}");
                    var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
                    tensor.Dims.Add(attribute.Ints.Count);
                    tensor.Int64Data.Add(attribute.Ints);
                    graph.Initializer.Add(tensor);
                    node.Attribute.Remove(attribute);
                    node.Input.Insert(1, name);
                }

                continue;
            }

            bool changed = node.OpType switch
            {
                "Pad" or "Clip" or "Resize" or "Upsample" => opset < 11,
                "Slice" or "Dropout" => opset < 10,
                "BatchNormalization" => opset < 9 && node.Attribute.Any(a => a.Name == "spatial" && a.I != 1),
                _ => false,
            };
            if (changed)
            {
                throw new NotSupportedException($"int8 needs opset {MinimumOpset} (per-axis QuantizeLinear/DequantizeLinear); the model is opset {opset} and its {node.OpType} node '{node.Name}' changed meaning since; re-export it at opset {MinimumOpset} or later.");
            }

            AttributeProto? spatial = node.OpType == "BatchNormalization" ? node.Attribute.FirstOrDefault(a => a.Name == "spatial") : null;
            if (spatial is not null)
            {
                node.Attribute.Remove(spatial);
            }
        }

        onnx.Version = MinimumOpset;
        model.IrVersion = Math.Max(model.IrVersion, 7);
    }

    internal static ReadOnlySpan<float> ReadFloats(TensorProto tensor) =>
        tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span) : tensor.FloatData.ToArray();

    private static TensorProto ScalarFloat(string name, float value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float };
        tensor.FloatData.Add(value);
        return tensor;
    }

    private static TensorProto FloatTensor(string name, float[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static TensorProto Int8Tensor(string name, sbyte[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int8, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static TensorProto UInt8Tensor(string name, byte[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Uint8, RawData = ByteString.CopyFrom(values) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static TensorProto Int32Tensor(string name, int[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int32, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        return node;
    }

    /// <summary>Names not yet used anywhere in the graph (tensor and node names share the set; harmless).</summary>
    private sealed class UniqueNames
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public UniqueNames(GraphProto graph)
        {
            _used.UnionWith(graph.Initializer.Select(t => t.Name));
            _used.UnionWith(graph.Input.Select(i => i.Name));
            _used.UnionWith(graph.Output.Select(o => o.Name));
            _used.UnionWith(graph.ValueInfo.Select(v => v.Name));
            foreach (NodeProto node in graph.Node)
            {
                _used.Add(node.Name);
                _used.UnionWith(node.Input);
                _used.UnionWith(node.Output);
            }
        }

        public string Next(string wanted)
        {
            string name = wanted;
            for (int i = 1; !_used.Add(name); i++)
            {
                name = string.Create(CultureInfo.InvariantCulture, $"{wanted}_{i}");
            }

            return name;
        }
    }
}
