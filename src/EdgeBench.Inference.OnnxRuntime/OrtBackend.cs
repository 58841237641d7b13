using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBench.Inference.OnnxRuntime;

/// <summary>Settings of an ONNX Runtime session.</summary>
public sealed record OrtBackendOptions
{
    /// <summary>
    /// Environment variable naming the TensorRT engine cache folder when <see cref="TensorRtEngineCacheDirectory"/> is
    /// not set (default: trt-cache beside the model file). Cold start points each configuration's launches at a fresh
    /// one, so launch 1 builds the engine and the others load it.
    /// </summary>
    public const string EngineCacheVariable = "EDGEBENCH_TRT_CACHE";

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

    /// <summary>
    /// CUDA provider options of the user's (<c>--cuda-options</c>, <see cref="OrtProviders.UserCudaOptionNames"/>),
    /// applied over EdgeBench's defaults; also on TensorRT's CUDA fallback. Empty: the defaults.
    /// </summary>
    public IReadOnlyDictionary<string, string> CudaOptions { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// ONNX Runtime through the OrtValue API with host-resident I/O: the session and the input and output OrtValues
/// (views of pinned <see cref="HostTensor"/> memory) are bound once (<see cref="BoundSession"/>), so <see cref="Run"/>
/// allocates nothing on the CPU provider. On CUDA or TensorRT the input is bound again before every run, which copies
/// it to the device (one small allocation: the name), and ONNX Runtime copies the outputs back inside the run (the
/// "host-copy" variant, what a plain <c>session.Run</c> does); <see cref="OrtDeviceBoundBackend"/> is the
/// device-resident one.
/// </summary>
public sealed class OrtBackend : IInferenceBackend
{
    private readonly BoundSession _session;
    private readonly ModelTensors _tensors;

    /// <summary>
    /// Creates the session for <paramref name="model"/>; a model ORT cannot load raises <see cref="ModelFileException"/>,
    /// a provider that cannot start here raises <see cref="ProviderUnavailableException"/>.
    /// </summary>
    public OrtBackend(ResolvedModel model, int batchSize, OrtBackendOptions? options = null)
    {
        (_session, _tensors) = BoundSession.ForModel(model, batchSize, options ?? new OrtBackendOptions(), deviceBound: false);
        Model = model.Descriptor;
        Precision = model.Precision;
        BatchSize = batchSize;
    }

    public string Backend => "onnxruntime";

    public string ExecutionProvider => _session.ExecutionProvider;

    public ModelDescriptor Model { get; }

    public Precision Precision { get; }

    public int BatchSize { get; }

    public HostTensor Input => _tensors.Input;

    public IReadOnlyList<HostTensor> Outputs => _tensors.Outputs;

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
    /// Runs the model on <see cref="Input"/> (on a GPU provider binding it again first, which copies it: see
    /// <see cref="BoundSession.Run"/>). ONNX Runtime synchronizes the device before it returns, so the outputs are on
    /// the host when this returns.
    /// </summary>
    public void Run() => _session.Run();

    public void Dispose() => _session.Dispose();
}
