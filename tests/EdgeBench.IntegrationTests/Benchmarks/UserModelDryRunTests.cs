using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A user's own model under an id the catalog does not have: a real ONNX file with its sidecar in the models folder
/// runs every stage and scenario of its head, chosen with --model, in the user-model class.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class UserModelDryRunTests : IDisposable
{
    private const string UserId = "my-classifier";
    private readonly DryBenchmarkRun _run = new("edgebench-user-model-");

    public void Dispose() => _run.Dispose();

    [Fact]
    public void A_described_user_model_runs_every_stage_under_its_own_id()
    {
        // The user's file: a real classifier (the generated MobileNetV2) saved under the user's id, with a sidecar.
        string models = Path.Combine(_run.Root, "models");
        var store = new ModelStore(models);
        File.Copy(store.Resolve(ModelCatalog.MobileNetV2Id, Precision.Fp32).Path, Path.Combine(models, UserId + ".onnx"));
        File.WriteAllText(Path.Combine(models, UserId + ".json"), """
            {
              "family": "classifier",
              "input": { "name": "input", "shape": [-1, 3, 224, 224] },
              "normalization": { "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] },
              "outputs": [ { "name": "logits", "shape": [-1, 1000] } ],
              "postprocess": "classification"
            }
            """);
        _run.Set(RunSettings.ModelIdsVariable, UserId);

        IReadOnlyList<ResultRow> rows = _run.Run<UserModelBenchmarks>();

        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.Equal(CaseStatus.Ok, r.Status);
            Assert.Equal(UserId, r.Model);
            Assert.StartsWith("EdgeBench.Benchmarks.Pipeline.UserModelBenchmarks.", r.Benchmark, StringComparison.Ordinal);
        });
        Assert.Contains(rows, r => r.Stage == "end-to-end" && r.Scenario.Length == 0);
        Assert.Contains(rows, r => r.Scenario == "single-stream");
        Assert.Contains(rows, r => r.Stage == "postprocess");

        // --model narrows the catalog classes too: a run for the user's id has no MobileNet case.
        Assert.Empty(new MobileNetBenchmarks().SelectedModels);
    }
}
