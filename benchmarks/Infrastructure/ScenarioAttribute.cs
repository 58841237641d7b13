using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Marks a benchmark method as a frame-level scenario: one invocation runs <see cref="ScenarioRunner"/> for the whole
/// measured window and records every frame, so the case runs under the scenario job (one invocation, no warm-up
/// iterations: the runner warms up itself) and its edgebench.csv row is filled from the frames, not from
/// BenchmarkDotNet's iterations (<see cref="ScenarioRecords"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ScenarioAttribute(Scenario scenario) : Attribute
{
    public Scenario Scenario { get; } = scenario;

    /// <summary>The <c>scenario</c> column and stage-row suffix: single-stream, camera, offline (MLPerf's names).</summary>
    public string Name => Scenario.ToName();

    /// <summary>
    /// Whether the scenario exists at <paramref name="batch"/>: single-stream is batch 1 by definition, and offline at
    /// batch 1 would be single-stream again (frames back to back), so it runs at the larger batches only.
    /// </summary>
    public bool Admits(int batch) => Scenario switch
    {
        Scenario.SingleStream => batch == 1,
        Scenario.Offline => batch > 1,
        _ => true,
    };
}
