using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.IntegrationTests.Benchmarks;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Gpu;

/// <summary>
/// CPU-only CI: with the default (CPU) runtime package every GPU backend value, host-copy and device-bound, becomes a
/// skipped case whose reason names the provider, in a real (dry, in-process) benchmark run.
/// </summary>
[Collection(nameof(EdgeBench.IntegrationTests.Benchmarks.BenchmarkRuns))]
public sealed class GpuBackendSkipTests : IDisposable
{
    private readonly DryBenchmarkRun _run = new("edgebench-gpu-skip-");

    public GpuBackendSkipTests()
    {
        _run.Set(RunSettings.BackendsVariable, string.Join(',', BackendNames.All.Where(b => BackendNames.ProviderOf(b) != OrtExecutionProvider.Cpu)));
    }

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Every_gpu_case_is_skipped_with_the_provider_named()
    {
        IReadOnlyList<ResultRow> rows = _run.Run<MobileNetBenchmarks>();

        // 8 stage methods and 2 scenarios (batch 1: single-stream, camera) x 5 GPU backend values, plus device-only
        // inference on the 3 device-bound values.
        Assert.Equal(53, rows.Count);
        Assert.Equal(["cuda-bound", "cuda-graph", "tensorrt-bound"], rows.Where(r => r.Stage == "inference-on-device").Select(r => r.Ep).Order(StringComparer.Ordinal));
        Assert.Equal(["cuda", "cuda-bound", "cuda-graph", "tensorrt", "tensorrt-bound"], rows.Select(r => r.Ep).Distinct().Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Equal(CaseStatus.Skipped, r.Status);
            Assert.Contains(r.Ep.StartsWith("cuda", StringComparison.Ordinal) ? "CUDAExecutionProvider" : "TensorrtExecutionProvider", r.Reason, StringComparison.Ordinal);
            Assert.Null(r.MeanMs);
        });
        // The model was never built: availability is answered before any work.
        Assert.False(Directory.Exists(Path.Combine(_run.Root, "models")) && Directory.EnumerateFiles(Path.Combine(_run.Root, "models"), "*.onnx").Any());
    }

    [Fact]
    public void Ssd_on_device_cases_exist_for_the_cuda_device_bound_values_and_skip_here_with_the_provider_named()
    {
        IReadOnlyList<ResultRow> rows = _run.Run<SsdOnDeviceBenchmarks>();

        // 6 methods (the GPU loop's five and the fused graph) x (bound, graph, tensorrt-bound); host-copy values are dropped by CaseFilter.
        AssertGpuLoopRows(rows, ModelCatalog.Ssd300, ["end-to-end-fused-graph"]);
    }

    [Fact]
    public void Classifier_on_device_cases_exist_for_the_device_bound_values_and_skip_here_with_the_provider_named()
    {
        _run.Set(RunSettings.ModelIdsVariable, ModelCatalog.MobileNetV2Id);

        // The baseline keeps SSD300's stage name, so reports read it alike.
        AssertGpuLoopRows(_run.Run<ClassifierOnDeviceBenchmarks>(), ModelCatalog.MobileNetV2Id, []);
    }

    [Fact]
    public void Yolo_on_device_cases_exist_for_the_device_bound_values_and_skip_here_with_the_provider_named()
    {
        AssertGpuLoopRows(_run.Run<YoloOnDeviceBenchmarks>(), ModelCatalog.TinyYoloV3, []);
    }

    [Fact]
    public void Backend_values_map_to_providers_and_results_columns()
    {
        Assert.Equal(["ort-cpu", "ort-cuda", "ort-cuda-bound", "ort-cuda-graph", "ort-tensorrt", "ort-tensorrt-bound", "torchsharp-cpu"], BackendNames.All);
        // The edgebench.csv columns of every value, in order: a contract of the results files.
        Assert.Equal(
            [("onnxruntime", "cpu"), ("onnxruntime", "cuda"), ("onnxruntime", "cuda-bound"), ("onnxruntime", "cuda-graph"), ("onnxruntime", "tensorrt"), ("onnxruntime", "tensorrt-bound"), ("torchsharp", "cpu")],
            BackendNames.All.Select(BackendNames.Split));
        Assert.Equal(["ort-cuda-bound", "ort-cuda-graph", "ort-tensorrt-bound"], BackendNames.All.Where(BackendNames.IsDeviceBound));
        // Only TensorRT builds an engine at session creation and caches it on disk: its cold start has empty-cache rows.
        Assert.Equal(["ort-tensorrt", "ort-tensorrt-bound"], BackendNames.All.Where(BackendNames.HasEngineCache));
        Assert.All(BackendNames.All, name => Assert.Equal(name, BackendNames.Join(BackendNames.Split(name).Backend, BackendNames.Split(name).Ep)));
        Assert.True(BackendNames.Options(BackendNames.OrtCudaGraph, 2).CudaGraph);
        Assert.True(BackendNames.IsDeviceBound(BackendNames.OrtCudaGraph));
        Assert.False(BackendNames.Options(BackendNames.OrtCudaBound, 2).CudaGraph);
        Assert.Equal(("onnxruntime", "tensorrt-bound"), BackendNames.Split(BackendNames.OrtTensorRtBound));
        Assert.True(BackendNames.Availability(BackendNames.OrtCpu).Available);
        Assert.False(BackendNames.Availability("ort-vulkan").Available);

        // Create itself turns a provider that cannot start into a skip, for failures only a session shows.
        var model = new ResolvedModel(ModelCatalog.Get(ModelCatalog.MobileNetV2Id), Precision.Fp32, Path.Combine(_run.Root, "absent.onnx"), ModelSource.Generated);
        foreach (string name in (string[])[BackendNames.OrtCuda, BackendNames.OrtCudaBound, BackendNames.OrtCudaGraph, BackendNames.OrtTensorRt, BackendNames.OrtTensorRtBound])
        {
            var skipped = Assert.Throws<CaseSkippedException>(() => BackendNames.Create(name, model, 1, 0));
            Assert.Equal(BackendNames.Availability(name).Reason, skipped.Message);
        }
    }

    /// <summary>The rows of a GpuLoopBenchmarks class: its five stages (and <paramref name="extraStages"/>) on the three device-bound values, all skipped with the provider named.</summary>
    private static void AssertGpuLoopRows(IReadOnlyList<ResultRow> rows, string model, string[] extraStages)
    {
        string[] stages =
        [
            "end-to-end-cuda-kernels", "end-to-end-cuda-kernels-page-locked", "end-to-end-cuda-kernels-pipelined",
            "end-to-end-cuda-kernels-pipelined-page-locked", "end-to-end-detector-only", .. extraStages,
        ];
        Assert.Equal(3 * stages.Length, rows.Count);
        Assert.Equal(["cuda-bound", "cuda-graph", "tensorrt-bound"], rows.Select(r => r.Ep).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(stages.Order(StringComparer.Ordinal), rows.Select(r => r.Stage).Distinct().Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Equal(model, r.Model);
            Assert.Equal(CaseStatus.Skipped, r.Status);
            Assert.Contains(r.Ep.StartsWith("cuda", StringComparison.Ordinal) ? "CUDAExecutionProvider" : "TensorrtExecutionProvider", r.Reason, StringComparison.Ordinal);
        });
    }
}
