using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Models;
using EdgeBench.Models.Int8;
using EdgeBench.Preprocessing;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace EdgeBench.Inference.OnnxRuntime.Int8;

/// <summary>
/// Static int8 quantization with ONNX Runtime as the calibration engine: the fp32 model is optimized at ONNX Runtime's
/// basic level (BatchNormalization folded into Conv, constants folded: the tool's pre-processing), run on the
/// calibration frames with every tensor to quantize as an output, and handed with the ranges to
/// <see cref="QdqQuantizer"/>; the result is then loaded by ONNX Runtime's CPU provider at the full optimization level
/// and the op types it runs are counted (<see cref="IntegerKernels"/>) and recorded in the file's metadata.
/// </summary>
/// <remarks>
/// <para>Calibration method: min/max (ONNX Runtime's default, <c>CalibrationMethod.MinMax</c>). Percentile and entropy
/// clip the tails of each activation's histogram, which helps when rare outliers stretch a range; but detector heads
/// carry their strongest boxes and scores in those tails, the frames here are a few dozen rather than the hundreds a
/// histogram needs, and min/max is exact and cheap on a small board. The ranges are the extremes over all frames.</para>
/// <para>The frames are the run's own (the synthetic video or the user's <c>--frames</c>), preprocessed as the pipeline
/// does for this model; their pixels' hash is part of <see cref="Key"/>, so other footage rebuilds the file.</para>
/// </remarks>
public sealed class OrtStaticQuantizer : IInt8Quantizer
{
    /// <summary>The calibration method's name in keys, metadata and docs.</summary>
    public const string CalibrationMethod = "minmax";

    private readonly IReadOnlyList<FrameBuffer> _frames;
    private readonly string _framesLabel;
    private readonly int _threads;
    private readonly Action<string>? _log;

    /// <param name="frames">Calibration frames (RGB24 or BGR24, all of one size).</param>
    /// <param name="framesLabel">Where they came from, for errors and metadata (e.g. "synthetic video seed 1").</param>
    /// <param name="threads">Intra-op threads of the calibration sessions.</param>
    /// <param name="log">Receives one line per quantized model (integer kernels found).</param>
    public OrtStaticQuantizer(IReadOnlyList<FrameBuffer> frames, string framesLabel, int threads, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        _frames = frames;
        _framesLabel = framesLabel;
        _threads = Math.Max(1, threads);
        _log = log;
        if (frames.Count == 0)
        {
            throw new CalibrationException($"no calibration frames: {framesLabel} gave none; int8 calibration needs at least one frame");
        }

        (int width, int height) = (frames[0].Width, frames[0].Height);
        for (int i = 1; i < frames.Count; i++)
        {
            if (frames[i].Width != width || frames[i].Height != height)
            {
                throw new CalibrationException($"calibration frame {i} of {framesLabel} is {frames[i].Width}x{frames[i].Height}; expected {width}x{height} like frame 0 (every calibration frame must have one size)");
            }
        }

        Key = string.Create(CultureInfo.InvariantCulture,
            $"{QdqQuantizer.Version};calibration:{CalibrationMethod};frames:{frames.Count}x{width}x{height}:{FramesHash(frames)};ort:{OrtEnv.Instance().GetVersionString()}");
    }

    /// <inheritdoc/>
    public string Key { get; }

    /// <summary>Calibration frames.</summary>
    public int FrameCount => _frames.Count;

    /// <inheritdoc/>
    public ModelProto Quantize(ModelProto fp32, ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(fp32);
        ArgumentNullException.ThrowIfNull(descriptor);
        string work = Directory.CreateTempSubdirectory("edgebench-int8-").FullName;
        try
        {
            ModelProto prepared = Optimize(fp32, Path.Combine(work, "fp32.onnx"), Path.Combine(work, "fp32-basic.onnx"), GraphOptimizationLevel.ORT_ENABLE_BASIC);
            IReadOnlyDictionary<string, ActivationRange> ranges = Calibrate(prepared, descriptor, Path.Combine(work, "augmented.onnx"));
            string provenance = string.Create(CultureInfo.InvariantCulture,
                $"calibration {CalibrationMethod} over {_frames.Count} frames of {_framesLabel} ({Key})");
            ModelProto quantized = QdqQuantizer.Quantize(prepared, ranges, provenance);

            string quantizedPath = Path.Combine(work, "int8.onnx");
            Write(quantized, quantizedPath);
            IntegerKernelCount kernels = IntegerKernels(quantizedPath, Path.Combine(work, "int8-optimized.onnx"), _threads);
            quantized.MetadataProps.Add(new StringStringEntryProto { Key = QdqQuantizer.MetadataKey + ".kernels", Value = kernels.Describe() });
            _log?.Invoke($"// int8: {descriptor.Id} quantized ({CalibrationMethod} calibration, {_frames.Count} frames of {_framesLabel}); ONNX Runtime CPU runs {kernels.Describe()}");
            return quantized;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Loads <paramref name="modelPath"/> in ONNX Runtime's CPU provider at the full optimization level, saves the graph
    /// it will run (<c>SessionOptions.OptimizedModelFilePath</c>) and counts which compute ops became integer kernels.
    /// </summary>
    public static IntegerKernelCount IntegerKernels(string modelPath, string optimizedPath, int threads = 1)
    {
        using (var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            OptimizedModelFilePath = optimizedPath,
            IntraOpNumThreads = threads,
            // Saving a fully optimized graph warns that it is hardware-specific: it is, and it is only counted here.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        })
        using (new InferenceSession(modelPath, options))
        {
        }

        ModelProto optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimizedPath));
        var counts = optimized.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new IntegerKernelCount(counts);
    }

    private ModelProto Optimize(ModelProto model, string sourcePath, string optimizedPath, GraphOptimizationLevel level)
    {
        Write(model, sourcePath);
        using (var options = new SessionOptions { GraphOptimizationLevel = level, OptimizedModelFilePath = optimizedPath, IntraOpNumThreads = _threads })
        using (new InferenceSession(sourcePath, options))
        {
        }

        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimizedPath));
    }

    private Dictionary<string, ActivationRange> Calibrate(ModelProto prepared, ModelDescriptor descriptor, string augmentedPath)
    {
        IReadOnlyList<string> tensors = QdqQuantizer.ActivationsToCalibrate(prepared);
        ModelProto augmented = prepared.Clone();
        var existingOutputs = augmented.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string tensor in tensors.Where(t => !existingOutputs.Contains(t)))
        {
            augmented.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        Write(augmented, augmentedPath);
        var ranges = tensors.ToDictionary(t => t, _ => new ActivationRange(float.PositiveInfinity, float.NegativeInfinity), StringComparer.Ordinal);
        var preprocessor = new Preprocessor(descriptor, _frames[0].Width, _frames[0].Height);
        long[] shapeLong = descriptor.Input.WithBatch(1);
        int[] shape = Array.ConvertAll(shapeLong, d => checked((int)d));
        var input = new float[preprocessor.ElementsPerItem];

        // The prepared model is already optimized: the calibration session adds nothing, and must not fold away a tensor.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = _threads };
        using var session = new InferenceSession(augmentedPath, options);
        for (int f = 0; f < _frames.Count; f++)
        {
            preprocessor.Run(_frames[f], input);
            CheckFinite(input, $"the preprocessed input '{descriptor.Input.Name}'", f);
            var feed = new[] { NamedOnnxValue.CreateFromTensor(descriptor.Input.Name, new DenseTensor<float>(input, shape)) };
            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(feed, tensors);
            foreach (DisposableNamedOnnxValue result in results)
            {
                ReadOnlySpan<float> values = result.AsTensor<float>() is DenseTensor<float> dense ? dense.Buffer.Span : result.AsTensor<float>().ToArray();
                if (values.Length == 0)
                {
                    continue;
                }

                CheckFinite(values, $"tensor '{result.Name}'", f);
                ActivationRange range = ranges[result.Name];
                ranges[result.Name] = new ActivationRange(Math.Min(range.Min, TensorPrimitives.Min(values)), Math.Max(range.Max, TensorPrimitives.Max(values)));
            }
        }

        foreach ((string name, ActivationRange range) in ranges.Where(r => r.Value.Min > r.Value.Max).ToArray())
        {
            ranges[name] = new ActivationRange(0f, 0f); // only empty tensors: nothing to scale
        }

        return ranges;
    }

    private void CheckFinite(ReadOnlySpan<float> values, string what, int frame)
    {
        float sum = TensorPrimitives.Sum(values);
        if (!float.IsFinite(sum) && ContainsNonFinite(values, out float bad))
        {
            throw new CalibrationException($"calibration frame {frame} of {_framesLabel}: {what} holds {bad}; int8 ranges need finite activations (a model that overflows or divides by zero on these frames cannot be calibrated)");
        }
    }

    private static bool ContainsNonFinite(ReadOnlySpan<float> values, out float bad)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                bad = v;
                return true;
            }
        }

        bad = 0;
        return false;
    }

    private static string FramesHash(IReadOnlyList<FrameBuffer> frames)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (FrameBuffer frame in frames)
        {
            hash.AppendData(frame.Pixels.Span);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static void Write(ModelProto model, string path)
    {
        using FileStream stream = File.Create(path);
        model.WriteTo(stream);
    }
}

/// <summary>Op types in ONNX Runtime's optimized graph of an int8 model, and how many compute ops run as integer kernels.</summary>
public sealed record IntegerKernelCount(IReadOnlyDictionary<string, int> OpCounts)
{
    /// <summary>Kernels that multiply int8 by int8 (convolutions and matrix products).</summary>
    public static IReadOnlySet<string> IntegerComputeOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "QLinearConv", "ConvInteger", "QGemm", "QLinearMatMul", "MatMulInteger", "MatMulIntegerToFloat", "DynamicQuantizeMatMul",
    };

    /// <summary>Compute ops left in float (a Conv/Gemm/MatMul that no QDQ group fused).</summary>
    public static IReadOnlySet<string> FloatComputeOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "FusedConv", "NhwcFusedConv", "Gemm", "FusedGemm", "MatMul", "FusedMatMul",
    };

    /// <summary>Other integer kernels a QDQ group becomes (elementwise, pooling, concatenation, activations).</summary>
    public static IReadOnlySet<string> OtherIntegerOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "QLinearAdd", "QLinearMul", "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearConcat", "QLinearSigmoid",
        "QLinearLeakyRelu", "QLinearSoftmax",
    };

    public int Count(string opType) => OpCounts.GetValueOrDefault(opType);

    /// <summary>Integer convolution and matrix-product kernels.</summary>
    public int IntegerCompute => OpCounts.Where(p => IntegerComputeOps.Contains(p.Key)).Sum(p => p.Value);

    /// <summary>Float convolution and matrix-product kernels.</summary>
    public int FloatCompute => OpCounts.Where(p => FloatComputeOps.Contains(p.Key)).Sum(p => p.Value);

    /// <summary>Integer share of the compute ops (0..1).</summary>
    public double IntegerFraction => IntegerCompute + FloatCompute == 0 ? 0 : IntegerCompute / (double)(IntegerCompute + FloatCompute);

    /// <summary>e.g. "53/53 Conv/Gemm/MatMul as integer kernels (QLinearConv 52, QGemm 1); also QLinearAdd 16; 1 QuantizeLinear, 1 DequantizeLinear left".</summary>
    public string Describe()
    {
        string Ops(IReadOnlySet<string> set) => string.Join(", ", OpCounts.Where(p => set.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value}")));
        string floats = FloatCompute > 0 ? $"; float: {Ops(FloatComputeOps)}" : string.Empty;
        string others = OpCounts.Keys.Any(OtherIntegerOps.Contains) ? $"; also {Ops(OtherIntegerOps)}" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{IntegerCompute}/{IntegerCompute + FloatCompute} Conv/Gemm/MatMul as integer kernels ({Ops(IntegerComputeOps)}){floats}{others}; {Count("QuantizeLinear")} QuantizeLinear, {Count("DequantizeLinear")} DequantizeLinear left");
    }
}
