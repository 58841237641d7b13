using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A real, dry run of the Yolo class: the generated YOLOv8n runs every stage and scenario beside YOLOv3-tiny, with
/// its anchor-free head in the postprocess cases (against the naive twin) and in the end-to-end loop.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class YoloDryRunTests : IDisposable
{
    private readonly DryBenchmarkRun _run = new("edgebench-yolo-dry-");

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Yolov8n_runs_every_stage_and_scenario()
    {
        IReadOnlyList<ResultRow> rows = _run.Run<YoloBenchmarks>();

        ResultRow[] yolov8 = rows.Where(r => r.Model == "yolov8n").ToArray();
        string[] stages =
        [
            "to-tensor", "preprocess-scalar-reference", "preprocess", "preprocess-memcpy", "inference", "postprocess-naive", "postprocess",
            "end-to-end", "end-to-end-camera", "end-to-end-single-stream",
        ];
        Assert.Equal(stages.Order(StringComparer.Ordinal), yolov8.Select(r => r.Stage).Order(StringComparer.Ordinal));
        Assert.All(yolov8, r => Assert.True(r.Status == CaseStatus.Ok, $"{r.Benchmark}: {r.Status} {r.Reason}"));
        Assert.Contains(rows, r => r.Model == "tiny-yolov3" && r.Stage == "end-to-end" && r.Status == CaseStatus.Ok);
        Assert.NotNull(yolov8.Single(r => r.Stage == "postprocess").RatioToBaseline);
    }
}
