using EdgeBench.Core.Inference;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Inference.TorchSharp;
using EdgeBench.Inference.TorchSharp.Pipeline;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// The values of the Backend benchmark parameter: engine, execution provider and I/O mode in one name, so the
/// parameter column reads as a user would say it (<c>ort-cpu</c>). Each knows whether it can run here and why not.
/// </summary>
/// <remarks>
/// Host-copy and device-bound runs of the same provider are separate values (<c>ort-cuda</c> / <c>ort-cuda-bound</c>)
/// rather than a separate parameter, so a CPU run has no meaningless bound column and the two sit side by side in
/// every table. In edgebench.csv the bound ones carry the execution provider <c>cuda-bound</c> / <c>tensorrt-bound</c>,
/// and the CUDA-graph one <c>cuda-graph</c>.
/// </remarks>
internal static class BackendNames
{
    public const string OrtCpu = "ort-cpu";

    /// <summary>CUDA EP, host-resident I/O: ONNX Runtime copies the input in and the outputs out inside each run.</summary>
    public const string OrtCuda = "ort-cuda";

    /// <summary>CUDA EP, I/O bound once to device buffers (<see cref="OrtDeviceBoundBackend"/>).</summary>
    public const string OrtCudaBound = "ort-cuda-bound";

    /// <summary>
    /// CUDA EP, device-bound I/O as <see cref="OrtCudaBound"/>, and the session's kernels replayed as one CUDA graph
    /// (ONNX Runtime's <c>enable_cuda_graph</c>): one launch per run instead of one per node, for graphs whose every
    /// node runs on CUDA with fixed shapes. A graph that cannot be captured fails its case with ONNX Runtime's reason.
    /// </summary>
    public const string OrtCudaGraph = "ort-cuda-graph";

    /// <summary>TensorRT EP (then CUDA, then CPU), host-resident I/O.</summary>
    public const string OrtTensorRt = "ort-tensorrt";

    /// <summary>TensorRT EP, I/O bound once to device buffers.</summary>
    public const string OrtTensorRtBound = "ort-tensorrt-bound";

    /// <summary>TorchSharp (libtorch) on the CPU: the engine PyTorch users run, as a reference for ONNX Runtime.</summary>
    public const string TorchSharpCpu = "torchsharp-cpu";

    public static readonly IReadOnlyList<string> All = [OrtCpu, OrtCuda, OrtCudaBound, OrtCudaGraph, OrtTensorRt, OrtTensorRtBound, TorchSharpCpu];

    /// <summary>(engine, execution provider) as written to edgebench.csv.</summary>
    public static (string Backend, string Ep) Split(string name) => name switch
    {
        OrtCpu => ("onnxruntime", "cpu"),
        OrtCuda => ("onnxruntime", "cuda"),
        OrtCudaBound => ("onnxruntime", "cuda-bound"),
        OrtCudaGraph => ("onnxruntime", "cuda-graph"),
        OrtTensorRt => ("onnxruntime", "tensorrt"),
        OrtTensorRtBound => ("onnxruntime", "tensorrt-bound"),
        TorchSharpCpu => ("torchsharp", "cpu"),
        _ => throw new ArgumentException($"Unknown backend '{name}'; expected one of {string.Join(", ", All)}."),
    };

    /// <summary>The parameter value of an (engine, execution provider) pair as written to edgebench.csv.</summary>
    public static string Join(string backend, string ep) =>
        All.FirstOrDefault(name => Split(name) == (backend, ep))
            ?? throw new ArgumentException($"No backend value for engine '{backend}' with execution provider '{ep}'.");

    /// <summary>
    /// Whether <paramref name="name"/> can run on this machine; the reason when it cannot. With the CPU runtime package
    /// (the default build) the GPU providers are not compiled in and the answer comes without a session; with the GPU
    /// build the provider is appended once per process, so a missing libcudnn/libnvinfer is named here. Device
    /// failures that only a session shows become skips in <see cref="Create"/>.
    /// </summary>
    public static (bool Available, string Reason) Availability(string name)
    {
        if (!All.Contains(name))
        {
            return (false, $"unknown backend '{name}'");
        }

        if (name == TorchSharpCpu)
        {
            // libtorch has no linux-arm64 build on NuGet, and Debian 12 needs the libstdc++ fix applied first;
            // Check() says which, once per process.
            (bool available, string why) = TorchSharpAvailability.Check();
            return (available, why);
        }

        string? reason = OrtProviders.Unavailability(ProviderOf(name));
        return reason is null ? (true, string.Empty) : (false, reason);
    }

    /// <summary>
    /// Creates the backend for a resolved model; the caller disposes it. A GPU provider that fails to start raises
    /// <see cref="CaseSkippedException"/> with the reason (the case is reported as skipped, not failed).
    /// </summary>
    public static IInferenceBackend Create(string name, ResolvedModel model, int batchSize, int threads)
    {
        OrtBackendOptions options = Options(name, threads);
        try
        {
            return name switch
            {
                OrtCpu or OrtCuda or OrtTensorRt => new OrtBackend(model, batchSize, options),
                OrtCudaBound or OrtCudaGraph or OrtTensorRtBound => new OrtDeviceBoundBackend(model, batchSize, options),
                TorchSharpCpu => new TorchSharpBackend(model, batchSize, new TorchSharpBackendOptions { Threads = threads }),
                _ => throw new ArgumentException($"Unknown backend '{name}'."),
            };
        }
        catch (ProviderUnavailableException e)
        {
            throw new CaseSkippedException(e.Message, e);
        }
        catch (NotSupportedException e) when (name == TorchSharpCpu)
        {
            // A model the TorchSharp backend has no module for (the CNTK-exported pretrained ResNet-18).
            throw new CaseSkippedException(e.Message, e);
        }
    }

    /// <summary>
    /// The pipeline a backend value runs: ONNX Runtime values run EdgeBench's <see cref="VisionPipeline"/> (C#
    /// pre/postprocessing around the session); <c>torchsharp-cpu</c> runs <see cref="TorchVisionPipeline"/>, every
    /// stage in libtorch ops as a PyTorch user writes it. Skips as <see cref="Create"/>.
    /// </summary>
    public static IVisionPipeline CreatePipeline(string name, ResolvedModel model, int batchSize, int threads, int frameWidth, int frameHeight)
    {
        IInferenceBackend backend = Create(name, model, batchSize, threads);
        try
        {
            return backend is TorchSharpBackend torch
                ? new TorchVisionPipeline(torch, frameWidth, frameHeight)
                : new VisionPipeline(backend, frameWidth, frameHeight);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="name"/> runs ONNX Runtime (whose cases carry the backend-independent baselines).</summary>
    public static bool IsOnnxRuntime(string name) => All.Contains(name) && Split(name).Backend == "onnxruntime";

    /// <summary>Whether <paramref name="name"/> keeps inputs and outputs in device buffers (<see cref="OrtDeviceBoundBackend"/>).</summary>
    public static bool IsDeviceBound(string name) => name is OrtCudaBound or OrtCudaGraph or OrtTensorRtBound;

    /// <summary>The ONNX Runtime session settings of an ONNX Runtime backend value.</summary>
    public static OrtBackendOptions Options(string name, int threads) =>
        new() { IntraOpThreads = threads, Provider = ProviderOf(name), CudaGraph = name == OrtCudaGraph };

    /// <summary>The execution provider behind <paramref name="name"/>.</summary>
    public static OrtExecutionProvider ProviderOf(string name) => name switch
    {
        OrtCpu => OrtExecutionProvider.Cpu,
        OrtCuda or OrtCudaBound or OrtCudaGraph => OrtExecutionProvider.Cuda,
        OrtTensorRt or OrtTensorRtBound => OrtExecutionProvider.TensorRt,
        TorchSharpCpu => OrtExecutionProvider.Cpu,
        _ => throw new ArgumentException($"Unknown backend '{name}'; expected one of {string.Join(", ", All)}."),
    };
}
