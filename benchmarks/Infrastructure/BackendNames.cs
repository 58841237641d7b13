using EdgeBench.Core;
using EdgeBench.Core.Inference;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Inference.TorchSharp;
using EdgeBench.Inference.TorchSharp.Pipeline;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// The values of the Backend benchmark parameter: engine, execution provider and I/O mode in one name, so the
/// parameter column reads as a user would say it (<c>ort-cpu</c>). <see cref="Paths"/> is the one table of what each
/// value runs and what its row isolates; every question about a value (its edgebench.csv columns, its session
/// options, whether it is device-bound, which backend class it creates) is answered from that table.
/// </summary>
/// <remarks>
/// Host-copy and device-bound runs of the same provider are separate values (<c>ort-cuda</c> / <c>ort-cuda-bound</c>)
/// rather than a separate parameter, so a CPU run has no meaningless bound column and the two sit side by side in
/// every table. In edgebench.csv the bound ones carry the execution provider <c>cuda-bound</c> / <c>tensorrt-bound</c>,
/// and the CUDA-graph one <c>cuda-graph</c> (<see cref="OrtProviders.ResultName(OrtExecutionProvider, OrtIo)"/>, the
/// name the sessions themselves report).
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

    private const string OnnxRuntime = "onnxruntime";
    private const string TorchSharp = "torchsharp";

    /// <summary>
    /// Every Backend value: its engine, provider and I/O mode, the <see cref="IInferenceBackend"/> it creates (the
    /// pipeline stages and the SSD ladder's level 1; the ladder's fused levels run <see cref="OrtFusedSsdRunner"/>
    /// with the same I/O mode, SsdOnDeviceBenchmarks runs on the CUDA device-bound values only), and what its rows
    /// isolate when read beside the others. The README's table of GPU paths is this one.
    /// </summary>
    public static readonly IReadOnlyList<BackendPath> Paths =
    [
        new(OrtCpu, OnnxRuntime, OrtExecutionProvider.Cpu, OrtIo.Host,
            static (model, batch, _, options) => new OrtBackend(model, batch, options),
            "ONNX Runtime's CPU provider: the reference every other row is read against"),
        new(OrtCuda, OnnxRuntime, OrtExecutionProvider.Cuda, OrtIo.Host,
            static (model, batch, _, options) => new OrtBackend(model, batch, options),
            "host-copy: ONNX Runtime copies the input in (when it is bound, so before every run) and the outputs out inside each run, as a plain session.Run does"),
        new(OrtCudaBound, OnnxRuntime, OrtExecutionProvider.Cuda, OrtIo.DeviceBound,
            static (model, batch, _, options) => new OrtDeviceBoundBackend(model, batch, options),
            "device-bound: I/O in device buffers bound once; the copies are EdgeBench's (upload, download), and inference-on-device times the model alone"),
        new(OrtCudaGraph, OnnxRuntime, OrtExecutionProvider.Cuda, OrtIo.CudaGraph,
            static (model, batch, _, options) => new OrtDeviceBoundBackend(model, batch, options),
            "device-bound, and the run replayed as one CUDA graph: against ort-cuda-bound, the per-node launch cost"),
        new(OrtTensorRt, OnnxRuntime, OrtExecutionProvider.TensorRt, OrtIo.Host,
            static (model, batch, _, options) => new OrtBackend(model, batch, options),
            "TensorRT's engine (then CUDA, then CPU) with host-copy I/O: against ort-cuda, TensorRT's kernels"),
        new(OrtTensorRtBound, OnnxRuntime, OrtExecutionProvider.TensorRt, OrtIo.DeviceBound,
            static (model, batch, _, options) => new OrtDeviceBoundBackend(model, batch, options),
            "TensorRT with device-bound I/O: against ort-cuda-bound, TensorRT's kernels without the copies"),
        new(TorchSharpCpu, TorchSharp, OrtExecutionProvider.Cpu, OrtIo.Host,
            static (model, batch, threads, _) => new TorchSharpBackend(model, batch, new TorchSharpBackendOptions { Threads = threads }),
            "libtorch on the CPU, every stage as a PyTorch user writes it: against ort-cpu, the engine"),
    ];

    public static readonly IReadOnlyList<string> All = Paths.Select(p => p.Name).ToArray();

    /// <summary>
    /// (engine, execution provider) as written to edgebench.csv; both empty for a case without a Backend parameter
    /// (code of EdgeBench's own that no engine runs, e.g. the frame-trace recording cost).
    /// </summary>
    public static (string Backend, string Ep) Split(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (string.Empty, string.Empty);
        }

        BackendPath path = PathOf(name);
        return (path.Engine, path.Ep);
    }

    /// <summary>The parameter value of an (engine, execution provider) pair as written to edgebench.csv.</summary>
    public static string Join(string backend, string ep) =>
        Paths.FirstOrDefault(p => (p.Engine, p.Ep) == (backend, ep))?.Name
            ?? throw new ArgumentException($"No backend value for engine '{backend}' with execution provider '{ep}'.");

    /// <summary>
    /// Whether <paramref name="name"/> can run on this machine; the reason when it cannot. With the CPU runtime package
    /// (the default build) the GPU providers are not compiled in and the answer comes without a session; with the GPU
    /// build the provider is appended once per process, so a missing libcudnn/libnvinfer is named here. Device
    /// failures that only a session shows become skips in <see cref="Create"/>.
    /// </summary>
    public static (bool Available, string Reason) Availability(string name)
    {
        BackendPath? path = Paths.FirstOrDefault(p => p.Name == name);
        if (path is null)
        {
            return (false, $"unknown backend '{name}'");
        }

        if (!path.IsOnnxRuntime)
        {
            // libtorch has no linux-arm64 build on NuGet, and Debian 12 needs the libstdc++ fix applied first;
            // Check() says which, once per process.
            (bool available, string why) = TorchSharpAvailability.Check();
            return (available, why);
        }

        string? reason = OrtProviders.Unavailability(path.Provider);
        return reason is null ? (true, string.Empty) : (false, reason);
    }

    /// <summary>
    /// Skips (<see cref="CaseSkippedException"/> with the reason) a case whose backend cannot run on this machine
    /// (<see cref="Availability"/>) or cannot run <paramref name="precision"/> (int8: <see cref="Int8Calibration.SkipReason"/>).
    /// </summary>
    public static void ThrowIfCannotRun(string backend, Precision precision)
    {
        (bool available, string reason) = Availability(backend);
        if (!available)
        {
            throw new CaseSkippedException(reason);
        }

        if (precision == Precision.Int8 && Int8Calibration.SkipReason(backend) is { } int8Skip)
        {
            throw new CaseSkippedException(int8Skip);
        }
    }

    /// <summary>
    /// Creates the backend for a resolved model; the caller disposes it. A GPU provider that fails to start raises
    /// <see cref="CaseSkippedException"/> with the reason (the case is reported as skipped, not failed).
    /// </summary>
    public static IInferenceBackend Create(string name, ResolvedModel model, int batchSize, int threads)
    {
        BackendPath path = PathOf(name);
        try
        {
            return path.Create(model, batchSize, threads, path.Options(threads));
        }
        catch (ProviderUnavailableException e)
        {
            throw new CaseSkippedException(e.Message, e);
        }
        catch (NotSupportedException e) when (!path.IsOnnxRuntime)
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
    public static bool IsOnnxRuntime(string name) => Paths.Any(p => p.Name == name && p.IsOnnxRuntime);

    /// <summary>Whether <paramref name="name"/> keeps inputs and outputs in device buffers (<see cref="OrtDeviceBoundBackend"/>).</summary>
    public static bool IsDeviceBound(string name) => Paths.Any(p => p.Name == name && p.IsDeviceBound);

    /// <summary>Whether session creation builds an engine that is cached on disk (TensorRT), so a cold start differs with and without the cache.</summary>
    public static bool HasEngineCache(string name) => Paths.Any(p => p.Name == name && p.IsOnnxRuntime && p.Provider == OrtExecutionProvider.TensorRt);

    /// <summary>The ONNX Runtime session settings of an ONNX Runtime backend value.</summary>
    public static OrtBackendOptions Options(string name, int threads) => PathOf(name).Options(threads);

    /// <summary>The execution provider behind <paramref name="name"/>.</summary>
    public static OrtExecutionProvider ProviderOf(string name) => PathOf(name).Provider;

    private static BackendPath PathOf(string name) =>
        Paths.FirstOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"Unknown backend '{name}'; expected one of {string.Join(", ", All)}.");
}

/// <summary>Creates the backend of a <see cref="BackendPath"/>: model, batch size, CPU threads, session options.</summary>
internal delegate IInferenceBackend BackendFactory(ResolvedModel model, int batchSize, int threads, OrtBackendOptions options);

/// <summary>One row of <see cref="BackendNames.Paths"/>.</summary>
/// <param name="Name">The Backend parameter value.</param>
/// <param name="Engine">The engine column of edgebench.csv.</param>
/// <param name="Provider">The ONNX Runtime execution provider (CPU for TorchSharp).</param>
/// <param name="Io">Where inputs and outputs live (<see cref="OrtIo"/>).</param>
/// <param name="Create">The backend class it creates.</param>
/// <param name="Isolates">What its rows show when read beside the others.</param>
internal sealed record BackendPath(string Name, string Engine, OrtExecutionProvider Provider, OrtIo Io, BackendFactory Create, string Isolates)
{
    public bool IsOnnxRuntime => Engine == "onnxruntime";

    public bool IsDeviceBound => Io != OrtIo.Host;

    /// <summary>The execution provider column of edgebench.csv: the name the session reports (cpu for TorchSharp).</summary>
    public string Ep => IsOnnxRuntime ? OrtProviders.ResultName(Provider, Io) : "cpu";

    /// <summary>The ONNX Runtime session settings of this value, with the run's --cuda-options (from the environment, as every case reads its settings).</summary>
    public OrtBackendOptions Options(int threads) =>
        new() { IntraOpThreads = threads, Provider = Provider, CudaGraph = Io == OrtIo.CudaGraph, CudaOptions = RunSettings.FromEnvironment().CudaOptions };
}
