using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A real, dry (one iteration, in-process) run of the SSD optimization ladder: the generated SSD300 (fp32 and fp16),
/// the fused graphs built into the cache, every level on the ONNX Runtime CPU EP, and edgebench.csv.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class SsdLadderDryRunTests : IDisposable
{
    private readonly DryBenchmarkRun _run = new("edgebench-ladder-");

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Every_level_runs_on_the_cpu_with_its_batch_and_precision_and_gpu_levels_are_skipped()
    {
        // EDGEBENCH_BATCHES/PRECISIONS say 1/fp32 (DryBenchmarkRun's defaults): the ladder's levels imply their own.
        _run.Set(RunSettings.BackendsVariable, "ort-cpu,ort-cuda-bound");

        IReadOnlyList<ResultRow> rows = _run.Run<SsdLadderBenchmarks>();

        ResultRow[] cpu = rows.Where(r => r.Ep == "cpu").OrderBy(r => r.Stage, StringComparer.Ordinal).ToArray();
        Assert.Equal(["ladder-0-baseline", "ladder-1-bulk-copy", "ladder-2-on-device", "ladder-3-batched", "ladder-4-fp16"], cpu.Select(r => r.Stage));
        Assert.Equal([1, 1, 1, 8, 8], cpu.Select(r => r.Batch));
        Assert.Equal(["fp32", "fp32", "fp32", "fp32", "fp16"], cpu.Select(r => r.Precision));
        Assert.All(cpu, r =>
        {
            Assert.True(r.Status == CaseStatus.Ok, $"{r.Stage}: {r.Status} {r.Reason}");
            Assert.Equal(("ssd300", "onnxruntime"), (r.Model, r.Backend));
            Assert.True(r.MeanMs > 0 && r.Fps > 0 && r.FrameMs > 0, r.Benchmark);
            // fps and frame_ms are per frame: batch frames per call (each kept to 4 significant digits in the file).
            Assert.Equal(r.Batch * 1000.0 / r.MeanMs!.Value, r.Fps!.Value, 0.002 * r.Fps.Value);
            Assert.StartsWith("EdgeBench.Benchmarks.Pipeline.SsdLadderBenchmarks.EndToEnd(Level: ", r.Benchmark, StringComparison.Ordinal);
        });

        ResultRow[] gpu = rows.Where(r => r.Ep == "cuda-bound").ToArray();
        Assert.Equal(5, gpu.Length);
        Assert.All(gpu, r =>
        {
            Assert.Equal(CaseStatus.Skipped, r.Status);
            Assert.False(string.IsNullOrWhiteSpace(r.Reason));
        });
        Assert.Equal([1, 1, 1, 8, 8], gpu.OrderBy(r => r.Stage, StringComparer.Ordinal).Select(r => r.Batch));
    }
}
