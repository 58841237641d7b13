using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.IntegrationTests.Benchmarks;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.TorchSharp;

/// <summary>
/// A dry in-process run of one family on the default backend list (ort-cpu + torchsharp-cpu, --backend not given):
/// every torchsharp-cpu stage is ok in fp32; its fp16 cases are skipped with the reason and how to run them; the
/// backend-independent baselines run on ort-cpu only.
/// </summary>
/// <remarks>In the benchmark-run collection like every in-process run: its settings are process environment variables
/// (run folder, batches, precisions, models folder), which a run of another class at the same time would read.</remarks>
[Collection(nameof(EdgeBench.IntegrationTests.Benchmarks.BenchmarkRuns))]
public sealed class TorchSharpDryRunTests
{
    private static readonly string[] s_stages = ["to-tensor", "preprocess", "inference", "postprocess", "end-to-end"];

    [Fact]
    public void Default_backends_run_torchsharp_stages_and_skip_its_fp16_with_the_reason()
    {
        if (!TorchSharpBackendTests.TorchSharpExpected())
        {
            return;
        }

        using var run = new DryBenchmarkRun("edgebench-torch-dry-");
        run.Set(RunSettings.BackendsVariable, null);
        run.Set(RunSettings.PrecisionsVariable, "fp32,fp16");
        IReadOnlyList<ResultRow> rows = run.Run<MobileNetBenchmarks>();

        ResultRow[] torch = rows.Where(r => r.Backend == "torchsharp").ToArray();
        foreach (string stage in s_stages)
        {
            ResultRow fp32 = Assert.Single(torch, r => r.Stage == stage && r.Precision == "fp32");
            Assert.True(fp32.Status == CaseStatus.Ok, $"{stage}: {fp32.Status} {fp32.Reason}");
            ResultRow fp16 = Assert.Single(torch, r => r.Stage == stage && r.Precision == "fp16");
            Assert.Equal(CaseStatus.Skipped, fp16.Status);
            Assert.Contains("6-28x slower", fp16.Reason, StringComparison.Ordinal);
            Assert.Contains("--backend torchsharp-cpu", fp16.Reason, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(torch, r => r.Stage is "preprocess-scalar-reference" or "preprocess-memcpy" or "postprocess-naive");
        Assert.Contains(rows, r => r.Backend == "onnxruntime" && r.Stage == "postprocess-naive" && r.Status == CaseStatus.Ok);
    }
}
