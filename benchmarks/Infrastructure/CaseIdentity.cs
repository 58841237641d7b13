using System.Globalization;
using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// What a benchmark case is, in EdgeBench's terms: stage, model, precision, batch, backend. Model, precision and batch
/// come from parameters of those names, else from a parameter value that implies them (<see cref="IImpliedCaseParameters"/>),
/// which also names the case's <see cref="StageVariant"/>.
/// </summary>
internal sealed record CaseIdentity(string FullName, string Type, string Method, string Stage, string Model, string Precision, int Batch, string Backend, string? StageVariant = null, bool PerMethodSetup = false)
{
    public static CaseIdentity Of(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        string Parameter(string name) =>
            Convert.ToString(benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value, CultureInfo.InvariantCulture) ?? string.Empty;

        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        string stage = benchmarkCase.Descriptor.Categories.FirstOrDefault(Categories.Stages.Contains) ?? string.Empty;
        IImpliedCaseParameters? implied = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IImpliedCaseParameters>().FirstOrDefault();
        string batchText = Parameter("Batch");
        return new CaseIdentity(
            NameOf(benchmarkCase),
            benchmarkCase.Descriptor.Type.Name,
            method,
            stage,
            Parameter("Model") is { Length: > 0 } model ? model : implied?.Model ?? string.Empty,
            Parameter("Precision") is { Length: > 0 } precision ? precision : implied?.Precision ?? string.Empty,
            int.TryParse(batchText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int batch) ? batch : implied?.Batch ?? 0,
            Parameter("Backend"),
            implied?.StageName,
            typeof(IPerMethodSetup).IsAssignableFrom(benchmarkCase.Descriptor.Type));
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

    /// <summary>The <see cref="CaseOutcomes"/> key of this case's setup (per method where the class has one setup per method).</summary>
    public string SetupKey => CaseOutcomes.Key(Type, Model, Precision, Batch, Backend, StageVariant ?? (PerMethodSetup ? Method : null));

    /// <summary>Whether a call processes frames (time per frame and FPS apply).</summary>
    public bool IsFrameStage => Stage is Categories.ToTensor or Categories.Preprocess or Categories.Inference or Categories.Postprocess or Categories.EndToEnd;
}
