namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>What a backend value must offer for a case to exist (<see cref="RunsOnAttribute"/>).</summary>
[Flags]
public enum BackendTraits
{
    None = 0,

    /// <summary>An ONNX Runtime value (ort-*): the case uses ONNX Runtime APIs or EdgeBench's own C# stages.</summary>
    OnnxRuntime = 1,

    /// <summary>Inputs and outputs bound once to device memory (ort-*-bound, ort-cuda-graph).</summary>
    DeviceBound = 2,

    /// <summary>An engine built at session creation and cached on disk (TensorRT: ort-trt, ort-trt-bound).</summary>
    EngineCache = 4,
}

/// <summary>
/// Declares, next to a benchmark method or class, the backends its cases exist for; <see cref="CaseFilter"/> drops the
/// others before they run (they are not listed as skipped: on such a backend the case does not exist, e.g. device-only
/// inference on a host-copy backend, or a backend-independent C# baseline measured again under torchsharp-cpu).
/// Cases that exist but cannot run on this machine are skipped in setup instead, with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
public sealed class RunsOnAttribute(BackendTraits required) : Attribute
{
    /// <summary>Every trait the case's backend must have.</summary>
    public BackendTraits Required { get; } = required;

    /// <summary>Whether <paramref name="backend"/> (a --backend value) has every required trait.</summary>
    public bool Admits(string backend) =>
        (!Required.HasFlag(BackendTraits.OnnxRuntime) || BackendNames.IsOnnxRuntime(backend))
        && (!Required.HasFlag(BackendTraits.DeviceBound) || BackendNames.IsDeviceBound(backend))
        && (!Required.HasFlag(BackendTraits.EngineCache) || BackendNames.HasEngineCache(backend));
}
