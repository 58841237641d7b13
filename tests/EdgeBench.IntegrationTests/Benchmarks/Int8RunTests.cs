using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Accuracy;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>int8 in real runs: the quantized file built from the run's frames, timed in-process, compared with fp32.</summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class Int8RunTests : IDisposable
{
    private readonly DryBenchmarkRun _run = new("edgebench-int8-");

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Int8_inference_runs_on_ort_cpu_and_other_backends_are_skipped_with_the_reason()
    {
        _run.Set(RunSettings.PrecisionsVariable, "int8");
        _run.Set(RunSettings.BackendsVariable, "ort-cpu,torchsharp-cpu");

        IReadOnlyList<ResultRow> rows = _run.Run<MobileNetBenchmarks>(Categories.Inference);

        ResultRow ok = rows.Single(r => r.Stage == "inference" && r.Ep == "cpu" && r.Backend == "onnxruntime");
        Assert.Equal((CaseStatus.Ok, "int8", "mobilenetv2"), (ok.Status, ok.Precision, ok.Model));
        Assert.True(ok.MedianMs > 0, ok.Benchmark);
        ResultRow torch = rows.Single(r => r.Backend == "torchsharp");
        Assert.Equal(CaseStatus.Skipped, torch.Status);
        Assert.False(string.IsNullOrWhiteSpace(torch.Reason));

        // The cached file's stamp names the calibration: method and the frames' identity.
        string stamp = File.ReadAllText(Path.Combine(_run.Root, "models", "generated", "mobilenetv2-int8.onnx.stamp"));
        Assert.Contains("calibration:minmax;frames:16x640x480:", stamp, StringComparison.Ordinal);
    }

    [Fact]
    public void Beside_fp32_int8_runs_inference_and_end_to_end_but_not_the_fp32_stages_again()
    {
        _run.Set(RunSettings.PrecisionsVariable, "fp32,int8");

        IReadOnlyList<ResultRow> rows = _run.Run<MobileNetBenchmarks>(Categories.ToTensor, Categories.Inference, Categories.EndToEnd);

        ResultRow[] int8 = [.. rows.Where(r => r.Precision == "int8" && r.Scenario.Length == 0)];
        Assert.Equal(["end-to-end", "inference"], int8.Select(r => r.Stage).Order(StringComparer.Ordinal));
        Assert.All(int8, r => Assert.Equal(CaseStatus.Ok, r.Status));
        Assert.Contains(rows, r => r.Precision == "fp32" && r.Stage == "to-tensor" && r.Status == CaseStatus.Ok);
    }

    /// <summary>
    /// The trained ResNet-18 is the model whose int8 agreement means something: its strongest feature must agree with
    /// fp32's on at least 95% of the accuracy frames (frames the calibration did not see).
    /// </summary>
    [Fact]
    public void Trained_resnet18_int8_agrees_with_fp32_on_at_least_95_percent_of_the_accuracy_frames()
    {
        ModelStore store = Int8Calibration.Store(RunSettings.FromEnvironment());

        AccuracyRow row = PrecisionComparison.Compare(store, ModelCatalog.ResNet18Pretrained, BackendNames.OrtCpu, 2, Precision.Int8);

        Assert.Equal("int8", row.Precision);
        Assert.True(row.Top1Agreement >= 0.95, $"top-1 agreement {row.Top1Agreement:P1}, cosine min {row.CosineMin:F4}");
        Assert.True(row.CosineMin > 0.95, $"cosine min {row.CosineMin:F4}");
        Assert.Contains("strongest feature", row.Notes, StringComparison.Ordinal);
        Assert.DoesNotContain("random-weight", row.Notes, StringComparison.Ordinal);
        Assert.EndsWith("resnet18-pretrained-int8.onnx", store.Resolve(ModelCatalog.ResNet18Pretrained, Precision.Int8).Path, StringComparison.Ordinal);
    }
}
