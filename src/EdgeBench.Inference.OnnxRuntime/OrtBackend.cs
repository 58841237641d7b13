using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>Settings of an ONNX Runtime session.</summary>
public sealed record OrtBackendOptions
{
    /// <summary>Intra-op threads; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Graph optimizations applied at session creation (all by default, as deployments use).</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;
}

/// <summary>
/// ONNX Runtime on the CPU execution provider, through the OrtValue API: the session, its options, the input and
/// output OrtValues (wrapping pinned <see cref="HostTensor"/> memory) and an <see cref="OrtIoBinding"/> are created
/// once, so <see cref="Run"/> allocates nothing and copies nothing beyond what the runtime itself does.
/// </summary>
public sealed class OrtBackend : IInferenceBackend
{
    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly List<OrtValue> _values = [];
    private readonly HostTensor[] _outputs;
    private readonly string _path;

    /// <summary>Creates the session for <paramref name="model"/>; a model ORT cannot load raises <see cref="ModelFileException"/>.</summary>
    public OrtBackend(ResolvedModel model, int batchSize, OrtBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        options ??= new OrtBackendOptions();
        _path = model.Path;
        Model = model.Descriptor;
        Precision = model.Precision;
        BatchSize = batchSize;
        if (!Model.HasDynamicBatch && Model.Input.Shape[0] != batchSize)
        {
            throw new ArgumentException($"{model.Path}: the model's batch is fixed at {Model.Input.Shape[0]}; batch {batchSize} cannot run.", nameof(batchSize));
        }

        _sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(model.Path, _sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            _sessionOptions.Dispose();
            throw new ModelFileException(model.Path, $"ONNX Runtime cannot load it: {e.Message}", e);
        }

        _runOptions = new RunOptions();
        _binding = _session.CreateIoBinding();
        try
        {
            Input = Bind(Model.Input, isInput: true);
            _outputs = Model.Outputs.Select(o => Bind(o, isInput: false)).ToArray();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Backend => "onnxruntime";

    public string ExecutionProvider => "cpu";

    public ModelDescriptor Model { get; }

    public Precision Precision { get; }

    public int BatchSize { get; }

    public HostTensor Input { get; }

    public IReadOnlyList<HostTensor> Outputs => _outputs;

    /// <summary>ONNX Runtime's version string (e.g. 1.31.1), for results' environment.</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Providers this ONNX Runtime build offers (availability is only certain once a session is created).</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding?.Dispose();
        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _runOptions?.Dispose();
        _session?.Dispose();
        _sessionOptions.Dispose();
    }

    private HostTensor Bind(TensorSpec spec, bool isInput)
    {
        IReadOnlyDictionary<string, NodeMetadata> metadata = isInput ? _session.InputMetadata : _session.OutputMetadata;
        if (!metadata.TryGetValue(spec.Name, out NodeMetadata? node))
        {
            throw new ModelFileException(_path,
                $"has no {(isInput ? "input" : "output")} '{spec.Name}' (it has: {string.Join(", ", metadata.Keys)})");
        }

        // The element type comes from the file, not the requested precision: an fp16 model may keep fp32 I/O.
        Precision elementType = node.ElementDataType switch
        {
            TensorElementType.Float => Precision.Fp32,
            TensorElementType.Float16 => Precision.Fp16,
            _ => throw new NotSupportedException($"{(isInput ? "Input" : "Output")} '{spec.Name}' has element type {node.ElementDataType}; EdgeBench handles float and float16."),
        };
        var tensor = new HostTensor(spec.Name, elementType, spec.WithBatch(BatchSize));
        var value = OrtValue.CreateTensorValueWithData(
            OrtMemoryInfo.DefaultInstance,
            node.ElementDataType,
            [.. tensor.Shape],
            tensor.Address,
            tensor.ByteCount);
        _values.Add(value);
        if (isInput)
        {
            _binding.BindInput(spec.Name, value);
        }
        else
        {
            _binding.BindOutput(spec.Name, value);
        }

        return tensor;
    }
}
