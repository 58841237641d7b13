using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// What a benchmark case is, in EdgeBench's terms: stage, model, precision, batch, backend. Model, precision and batch
/// come from parameters of those names, else from a parameter value that implies them (<see cref="IImpliedCaseParameters"/>);
/// the stage row comes from the method's <see cref="StageAttribute"/>, or from such a value where one benchmark
/// method covers several rows (the ladder's levels).
/// </summary>
internal sealed record CaseIdentity(
    string FullName,
    string Type,
    string Method,
    string Stage,
    string StageRow,
    string Model,
    string Precision,
    int Batch,
    string Backend,
    string SetupKey,
    string MethodKey)
{
    public static CaseIdentity Of(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        string Parameter(string name) =>
            Convert.ToString(benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value, CultureInfo.InvariantCulture) ?? string.Empty;

        Type type = benchmarkCase.Descriptor.Type;
        MethodInfo method = benchmarkCase.Descriptor.WorkloadMethod;
        StageAttribute? stage = method.GetCustomAttribute<StageAttribute>(inherit: true);
        IImpliedCaseParameters? implied = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IImpliedCaseParameters>().FirstOrDefault();
        string batchText = Parameter("Batch");
        (string, string)[] parameters = benchmarkCase.Parameters.Items
            .Select(p => (p.Name, Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? string.Empty))
            .ToArray();
        return new CaseIdentity(
            NameOf(benchmarkCase),
            type.Name,
            method.Name,
            stage?.Category ?? string.Empty,
            implied?.StageName ?? stage?.RowName ?? string.Empty,
            Parameter("Model") is { Length: > 0 } model ? model : implied?.Model ?? string.Empty,
            Parameter("Precision") is { Length: > 0 } precision ? precision : implied?.Precision ?? string.Empty,
            int.TryParse(batchText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int batch) ? batch : implied?.Batch ?? 0,
            Parameter("Backend"),
            CaseOutcomes.Key(type.Name, parameters, EdgeBenchmark.HasPerMethodSetup(type) ? method.Name : null),
            CaseOutcomes.Key(type.Name, parameters, method.Name))
        {
            Scenario = method.GetCustomAttribute<ScenarioAttribute>(inherit: true),
        };
    }

    /// <summary>
    /// Namespace.Type.Method(param: value, ...) in declaration order: the stable key cross-commit diffs match on.
    /// </summary>
    public static string NameOf(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        string parameters = string.Join(", ", benchmarkCase.Parameters.Items.Select(p =>
            $"{p.Name}: {Convert.ToString(p.Value, CultureInfo.InvariantCulture)}"));
        return $"{benchmarkCase.Descriptor.Type.FullName}.{benchmarkCase.Descriptor.WorkloadMethod.Name}({parameters})";
    }

    /// <summary>The frame-level scenario this case runs; null for stage cases.</summary>
    public ScenarioAttribute? Scenario { get; init; }

    /// <summary>Whether a call processes frames (time per frame and FPS apply).</summary>
    public bool IsFrameStage => Categories.Stages.Contains(Stage) && !IsColdStart;

    /// <summary>Whether this is a cold-start case (fresh child processes, <see cref="ColdStart"/>).</summary>
    public bool IsColdStart => Stage == Categories.ColdStart;

    /// <summary>Whether one invocation does the case's whole measurement (a scenario, a cold start): the scenario job's cases.</summary>
    public bool IsOneShot => Scenario is not null || IsColdStart;
}
