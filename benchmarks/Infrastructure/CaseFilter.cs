using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using EdgeBench.Core.Models;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Drops cases that do not exist: the postprocess cases of a model without a postprocess stage (the feature
/// extractor). Cases this machine cannot run are not dropped here but skipped in setup (see
/// <see cref="CaseSkippedException"/>), because a filter also sees the cases the user's --filter excludes.
/// </summary>
internal sealed class CaseFilter : IFilter
{
    public bool Predicate(BenchmarkCase benchmarkCase)
    {
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        return !(id.Stage == Categories.Postprocess
            && ModelCatalog.TryGet(id.Model, out ModelDescriptor descriptor)
            && descriptor.Postprocess == PostprocessKind.None);
    }
}
