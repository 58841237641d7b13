using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Drops cases that do not exist: the postprocess cases of a model without a postprocess stage (the feature
/// extractor), and the backend-independent comparison cases (scalar-reference and memcpy preprocess, naive
/// postprocess) for backends other than ONNX Runtime. Those run EdgeBench's own C# code whatever the Backend value
/// says, so on torchsharp-cpu they would measure the same thing again (about 20 s of the default suite); their
/// ort-cpu rows of the same model, precision and batch are the reference. Also dropped: device-only inference for
/// backends without device-bound I/O (and SsdOnDeviceBenchmarks there), and the SSD ladder on TorchSharp (its levels are ONNX Runtime APIs). Cases this machine cannot run are not
/// dropped here but skipped in setup (see <see cref="CaseSkippedException"/>), because a filter also sees the cases
/// the user's --filter excludes.
/// </summary>
internal sealed class CaseFilter : IFilter
{
    /// <summary>Methods whose work does not depend on the backend.</summary>
    public static readonly IReadOnlySet<string> BackendIndependentMethods = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(Pipeline.PipelineBenchmarks.PreprocessScalarReference),
        nameof(Pipeline.PipelineBenchmarks.PreprocessMemoryCopy),
        nameof(Pipeline.PipelineBenchmarks.PostprocessNaive),
    };

    public bool Predicate(BenchmarkCase benchmarkCase)
    {
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        if (BackendIndependentMethods.Contains(id.Method) && !BackendNames.IsOnnxRuntime(id.Backend))
        {
            return false;
        }

        // Device-only inference exists only where inputs and outputs live on the device.
        if (id.Method == nameof(Pipeline.PipelineBenchmarks.InferenceOnDevice) && !BackendNames.IsDeviceBound(id.Backend))
        {
            return false;
        }

        // Pre/post on the GPU works on device buffers: device-bound backends only.
        if (typeof(Pipeline.SsdOnDeviceBenchmarks).IsAssignableFrom(benchmarkCase.Descriptor.Type) && !BackendNames.IsDeviceBound(id.Backend))
        {
            return false;
        }

        // The ladder's levels are ONNX Runtime APIs and an ONNX graph: it has no TorchSharp case.
        if (typeof(Pipeline.SsdLadderBenchmarks).IsAssignableFrom(benchmarkCase.Descriptor.Type) && !BackendNames.IsOnnxRuntime(id.Backend))
        {
            return false;
        }

        return !(id.Stage == Categories.Postprocess
            && ModelCatalog.TryGet(id.Model, out ModelDescriptor descriptor)
            && descriptor.Postprocess == PostprocessKind.None);
    }
}
