using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>Runs of the real benchmark classes change process-wide environment variables: never in parallel.</summary>
[CollectionDefinition(nameof(BenchmarkRuns), DisableParallelization = true)]
public sealed class BenchmarkRuns;

/// <summary>
/// Real, dry (one iteration, in-process) runs of the MobileNet class end to end: generated model, ONNX Runtime
/// session, every stage, BenchmarkDotNet's reports and edgebench.csv.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class DryRunTests : IDisposable
{
    private readonly DryBenchmarkRun _run = new("edgebench-dry-");

    public DryRunTests()
    {
        _run.Set(RunSettings.PrecisionsVariable, "fp32,fp16");
        _run.Set(RunSettings.BackendsVariable, "ort-cpu,ort-cuda");
    }

    public void Dispose() => _run.Dispose();

    private string Root => _run.Root;

    private string RunDirectory => _run.RunDirectory;

    private void Set(string name, string value) => _run.Set(name, value);

    private IReadOnlyList<ResultRow> Run() => _run.Run<MobileNetBenchmarks>();

    [Fact]
    public void Every_stage_runs_for_both_precisions_and_gpu_cases_are_skipped_with_a_reason()
    {
        IReadOnlyList<ResultRow> rows = Run();

        string[] stages = ["to-tensor", "preprocess-scalar-reference", "preprocess", "preprocess-memcpy", "inference", "postprocess-naive", "postprocess", "end-to-end"];
        foreach (string precision in (string[])["fp32", "fp16"])
        {
            var ok = rows.Where(r => r.Ep == "cpu" && r.Precision == precision && r.Scenario.Length == 0).ToArray();
            Assert.Equal(stages.Order(), ok.Select(r => r.Stage).Order());
            Assert.All(ok, r =>
            {
                Assert.Equal(CaseStatus.Ok, r.Status);
                Assert.Equal(("mobilenetv2", 1, "onnxruntime"), (r.Model, r.Batch, r.Backend));
                Assert.True(r.MeanMs > 0 && r.MedianMs > 0 && r.Fps > 0, r.Benchmark);
                Assert.StartsWith("EdgeBench.Benchmarks.Pipeline.MobileNetBenchmarks.", r.Benchmark, StringComparison.Ordinal);
            });
            Assert.NotNull(ok.Single(r => r.Stage == "preprocess").MegabytesPerSecond);

            // The frame-level scenarios of batch 1 (offline exists from batch 2): their times come from frames only.
            var scenarios = rows.Where(r => r.Ep == "cpu" && r.Precision == precision && r.Scenario.Length > 0).ToArray();
            Assert.Equal(["camera", "single-stream"], scenarios.Select(r => r.Scenario).Order(StringComparer.Ordinal));
            Assert.All(scenarios, r =>
            {
                Assert.Equal(CaseStatus.Ok, r.Status);
                Assert.Equal("end-to-end-" + r.Scenario, r.Stage);
                Assert.True(r.Frames >= 64, r.Benchmark);
                Assert.True(r.Fps > 0 && r.FrameP50Ms > 0 && r.FrameP50Ms <= r.FrameP90Ms && r.FrameP90Ms <= r.FrameP99Ms, r.Benchmark);
                Assert.Null(r.MeanMs);
                Assert.Null(r.Iterations);
                Assert.True(File.Exists(Path.Combine(RunDirectory, r.FrameTrace)), r.FrameTrace);
                // The camera's rate (DryBenchmarkRun sets 200 FPS) is the camera row's, and no other row's.
                Assert.Equal(r.Scenario == "camera" ? 200 : null, r.CameraFps);
            });
        }

        ResultRow[] skipped = rows.Where(r => r.Ep == "cuda").ToArray();
        Assert.Equal(20, skipped.Length); // 8 stages + 2 scenarios, per precision
        Assert.All(skipped, r =>
        {
            Assert.Equal(CaseStatus.Skipped, r.Status);
            Assert.Contains("CUDAExecutionProvider", r.Reason, StringComparison.Ordinal);
            Assert.Null(r.MeanMs);
        });

        // BenchmarkDotNet's own artifacts: raw samples (full JSON) and the Markdown report; no partial file left.
        string[] reports = Directory.GetFiles(Path.Combine(RunDirectory, "results")).Select(Path.GetFileName).ToArray()!;
        Assert.Contains(reports, f => f.EndsWith("-report-full.json", StringComparison.Ordinal));
        Assert.Contains(reports, f => f.EndsWith("-report-github.md", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(RunDirectory, IncrementalResults.FileName)));
    }

    [Fact]
    public void A_corrupt_model_file_fails_its_cases_with_the_file_named_and_the_rest_still_run()
    {
        string models = Path.Combine(Root, "models");
        Directory.CreateDirectory(models);
        string corrupt = Path.Combine(models, "mobilenetv2-fp16.onnx");
        File.WriteAllText(corrupt, "not a model");
        Set(RunSettings.BackendsVariable, "ort-cpu");

        IReadOnlyList<ResultRow> rows = Run();

        ResultRow[] fp16 = rows.Where(r => r.Precision == "fp16").ToArray();
        Assert.NotEmpty(fp16);
        Assert.All(fp16, r =>
        {
            Assert.Equal(CaseStatus.Failed, r.Status);
            Assert.Contains(corrupt, r.Reason, StringComparison.Ordinal);
        });
        Assert.All(rows.Where(r => r.Precision == "fp32"), r => Assert.Equal(CaseStatus.Ok, r.Status));
    }

    [Fact]
    public void Users_footage_replaces_the_synthetic_video()
    {
        // Three 64x48 PPM frames of the user's "camera": the run must resize them like any frame.
        string footage = Path.Combine(Root, "footage");
        Directory.CreateDirectory(footage);
        for (int i = 0; i < 3; i++)
        {
            byte[] header = System.Text.Encoding.ASCII.GetBytes("P6\n64 48\n255\n");
            byte[] pixels = Enumerable.Range(0, 64 * 48 * 3).Select(p => (byte)((p * (i + 3)) % 251)).ToArray();
            File.WriteAllBytes(Path.Combine(footage, $"{i:D4}.ppm"), [.. header, .. pixels]);
        }

        Set(RunSettings.FramesVariable, footage);
        Set(RunSettings.BackendsVariable, "ort-cpu");
        Set(RunSettings.PrecisionsVariable, "fp32");

        IReadOnlyList<ResultRow> rows = Run();

        Assert.Equal(10, rows.Count); // 8 stages, single-stream and camera
        Assert.All(rows, r => Assert.Equal(CaseStatus.Ok, r.Status));
    }
}
