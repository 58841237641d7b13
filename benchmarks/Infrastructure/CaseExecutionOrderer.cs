using System.Collections.Immutable;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Runs the cases of one configuration (class and parameter values: model, precision, batch, backend) back to back,
/// so they can share one pipeline (<see cref="Pipeline.KeptPipeline"/>). BenchmarkDotNet's own order follows the
/// logical groups (stage category first), which would interleave configurations and rebuild a session for every case.
/// The summary keeps BenchmarkDotNet's declared order; within a configuration the cases keep its relative order.
/// </summary>
internal sealed class CaseExecutionOrderer() : DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared)
{
    public override IEnumerable<BenchmarkCase> GetExecutionOrder(
        ImmutableArray<BenchmarkCase> benchmarksCase, IEnumerable<BenchmarkLogicalGroupRule>? order = null)
    {
        // GroupBy keeps the first appearance order of the groups and the order within each.
        return base.GetExecutionOrder(benchmarksCase, order)
            .GroupBy(c => (c.Descriptor.Type, c.Parameters.DisplayInfo))
            .SelectMany(configuration => configuration);
    }
}
