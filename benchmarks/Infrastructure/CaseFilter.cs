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
/// ort-cpu rows of the same model, precision and batch are the reference. Cases this machine cannot run are not
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

        return !(id.Stage == Categories.Postprocess
            && ModelCatalog.TryGet(id.Model, out ModelDescriptor descriptor)
            && descriptor.Postprocess == PostprocessKind.None);
    }
}
