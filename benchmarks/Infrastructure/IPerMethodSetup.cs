namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// A benchmark class whose methods each have their own setup (<c>[GlobalSetup(Target = ...)]</c>), so a setup's
/// failure or skip is recorded, and looked up, under the method's name as the <see cref="CaseOutcomes"/> key's variant.
/// </summary>
public interface IPerMethodSetup
{
}
