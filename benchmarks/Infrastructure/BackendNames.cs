using EdgeBench.Core.Inference;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// The values of the Backend benchmark parameter: engine and execution provider in one name, so the parameter
/// column reads as a user would say it (<c>ort-cpu</c>). Each knows whether it can run here and why not.
/// </summary>
internal static class BackendNames
{
    public const string OrtCpu = "ort-cpu";
    public const string OrtCuda = "ort-cuda";
    public const string OrtTensorRt = "ort-tensorrt";

    public static readonly IReadOnlyList<string> All = [OrtCpu, OrtCuda, OrtTensorRt];

    /// <summary>(engine, execution provider) as written to edgebench.csv.</summary>
    public static (string Backend, string Ep) Split(string name) => name switch
    {
        OrtCpu => ("onnxruntime", "cpu"),
        OrtCuda => ("onnxruntime", "cuda"),
        OrtTensorRt => ("onnxruntime", "tensorrt"),
        _ => throw new ArgumentException($"Unknown backend '{name}'; expected one of {string.Join(", ", All)}."),
    };

    /// <summary>The parameter value of an (engine, execution provider) pair as written to edgebench.csv.</summary>
    public static string Join(string backend, string ep) =>
        All.FirstOrDefault(name => Split(name) == (backend, ep))
            ?? throw new ArgumentException($"No backend value for engine '{backend}' with execution provider '{ep}'.");

    /// <summary>Whether <paramref name="name"/> can run on this machine; the reason when it cannot.</summary>
    public static (bool Available, string Reason) Availability(string name) => name switch
    {
        OrtCpu => (true, string.Empty),
        // The CPU runtime package is what this build links; it registers no GPU provider (OrtEnv lists only
        // CPUExecutionProvider), so asking for one is answered before any session is made.
        OrtCuda or OrtTensorRt when !OrtBackend.AvailableProviders.Contains(ProviderOf(name)) =>
            (false, $"{ProviderOf(name)} is not in this ONNX Runtime build (providers: {string.Join(", ", OrtBackend.AvailableProviders)}); it needs the GPU runtime package and an NVIDIA GPU"),
        OrtCuda or OrtTensorRt => (false, $"{ProviderOf(name)} sessions are not wired into EdgeBench's ONNX Runtime backend yet"),
        _ => (false, $"unknown backend '{name}'"),
    };

    private static string ProviderOf(string name) => name == OrtCuda ? "CUDAExecutionProvider" : "TensorrtExecutionProvider";

    /// <summary>Creates the backend for a resolved model; the caller disposes it.</summary>
    public static IInferenceBackend Create(string name, ResolvedModel model, int batchSize, int threads) => name switch
    {
        OrtCpu => new OrtBackend(model, batchSize, new OrtBackendOptions { IntraOpThreads = threads }),
        _ => throw new ArgumentException($"Unknown backend '{name}'."),
    };
}
