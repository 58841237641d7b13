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

    /// <summary>The execution provider (appended before the CPU fallback; TensorRT also before CUDA).</summary>
    public OrtExecutionProvider Provider { get; init; } = OrtExecutionProvider.Cpu;

    /// <summary>
    /// CUDA provider only, with device-bound I/O: capture the run as one CUDA graph and replay it (ONNX Runtime's
    /// <c>enable_cuda_graph</c>). Needs every node on CUDA, fixed shapes, no control flow, and the same bound
    /// device addresses in every run, which the device-bound runners keep.
    /// </summary>
    public bool CudaGraph { get; init; }

    /// <summary>CUDA device ordinal for the CUDA and TensorRT providers.</summary>
    public int DeviceId { get; init; }

    /// <summary>
    /// Whether TensorRT may choose fp16 kernels. Null (the default) follows the model file: on for fp16 models, off
    /// for fp32 ones, so an fp32 row measures fp32 arithmetic as the CUDA and CPU rows beside it do.
    /// </summary>
    public bool? TensorRtFp16 { get; init; }

    /// <summary>
    /// Where TensorRT keeps built engines; null means <c>trt-cache/</c> beside the model file (models/trt-cache/).
    /// </summary>
    public string? TensorRtEngineCacheDirectory { get; init; }

    /// <summary>
    /// CUDA provider: a cudaStream_t the session runs on (<c>user_compute_stream</c>) instead of its own, so work the
    /// caller queues on that stream before and after a run is ordered with it without a wait. Zero: the provider's own.
    /// </summary>
    public IntPtr CudaStream { get; init; }
}

/// <summary>
/// ONNX Runtime through the OrtValue API with host-resident I/O: the session, its options, the input and output
/// OrtValues (wrapping pinned <see cref="HostTensor"/> memory) and an <see cref="OrtIoBinding"/> are created once, so
/// <see cref="Run"/> allocates nothing on the CPU provider. On CUDA or TensorRT the input is bound again before every
/// run, which copies it to the device (one small allocation: the name), and ONNX Runtime copies the outputs back
/// inside the run (the "host-copy" variant, what a plain <c>session.Run</c> does); <see cref="OrtDeviceBoundBackend"/> is the device-resident one.
/// </summary>
public sealed class OrtBackend : IInferenceBackend
{
    private readonly OrtSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly List<OrtValue> _values = [];
    private readonly HostTensor[] _outputs;
    private readonly string _path;
    private readonly OrtExecutionProvider _provider;

    /// <summary>
    /// Creates the session for <paramref name="model"/>; a model ORT cannot load raises <see cref="ModelFileException"/>,
    /// a provider that cannot start here raises <see cref="ProviderUnavailableException"/>.
    /// </summary>
    public OrtBackend(ResolvedModel model, int batchSize, OrtBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        options ??= new OrtBackendOptions();
        if (options.CudaGraph)
        {
            throw new ArgumentException("CUDA graphs replay fixed device addresses, so they need device-bound I/O (OrtDeviceBoundBackend); this backend binds host memory.", nameof(options));
        }

        _path = model.Path;
        _provider = options.Provider;
        Model = model.Descriptor;
        Precision = model.Precision;
        BatchSize = batchSize;
        if (!Model.HasDynamicBatch && Model.Input.Shape[0] != batchSize)
        {
            throw new ArgumentException($"{model.Path}: the model's batch is fixed at {Model.Input.Shape[0]}; batch {batchSize} cannot run.", nameof(batchSize));
        }

        _session = OrtSession.Create(model, options);
        _runOptions = new RunOptions();
        _binding = _session.Session.CreateIoBinding();
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

    public string ExecutionProvider => OrtProviders.ResultName(_provider);

    public ModelDescriptor Model { get; }

    public Precision Precision { get; }

    public int BatchSize { get; }

    public HostTensor Input { get; }

    public IReadOnlyList<HostTensor> Outputs => _outputs;

    /// <summary>ONNX Runtime's version string (e.g. 1.31.1), for results' environment.</summary>
    public static string RuntimeVersion
    {
        get
        {
            OrtNativeLibrary.EnsureConfigured();
            return OrtEnv.Instance().GetVersionString();
        }
    }

    /// <summary>Providers this ONNX Runtime build offers (availability is only certain once a session is created).</summary>
    public static IReadOnlyList<string> AvailableProviders
    {
        get
        {
            OrtNativeLibrary.EnsureConfigured();
            return OrtEnv.Instance().GetAvailableProviders();
        }
    }

    /// <summary>
    /// Runs the model on <see cref="Input"/>. ONNX Runtime synchronizes the device before it returns, so the outputs
    /// are on the host when this returns.
    /// </summary>
    public void Run()
    {
        if (_provider != OrtExecutionProvider.Cpu)
        {
            // ONNX Runtime copies a host input to the device when it is bound (IOBinding::BindInput calls
            // CopyOneInputAcrossDevices), not when the session runs: bound once, every run would reuse the first copy
            // (stale frames, and no input copy in the timing). Binding again copies this run's input. Costs one
            // small allocation (the name as UTF-8) per run, on GPU providers only.
            _binding.BindInput(Model.Input.Name, _values[0]);
        }

        _session.Session.RunWithBinding(_runOptions, _binding);
    }

    public void Dispose()
    {
        _binding?.Dispose();
        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _runOptions?.Dispose();
        _session?.Dispose();
    }

    private HostTensor Bind(TensorSpec spec, bool isInput)
    {
        NodeMetadata node = _session.Metadata(_path, spec, isInput);
        // The element type comes from the file, not the requested precision: an fp16 model may keep fp32 I/O.
        Precision elementType = OrtSession.ElementPrecision(node, spec.Name, isInput);
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
