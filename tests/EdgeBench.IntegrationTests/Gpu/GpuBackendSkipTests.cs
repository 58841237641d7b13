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
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Gpu;

/// <summary>
/// CPU-only CI: with the default (CPU) runtime package every GPU backend value, host-copy and device-bound, becomes a
/// skipped case whose reason names the provider, in a real (dry, in-process) benchmark run.
/// </summary>
[Collection(nameof(EdgeBench.IntegrationTests.Benchmarks.BenchmarkRuns))]
public sealed class GpuBackendSkipTests : IDisposable
{
    private static readonly Job s_dry = Job.Dry.WithToolchain(InProcessEmitToolchain.Instance);
    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-gpu-skip-").FullName;
    private readonly Dictionary<string, string?> _saved = [];

    public GpuBackendSkipTests()
    {
        Set(RunSettings.BatchesVariable, "1");
        Set(RunSettings.PrecisionsVariable, "fp32");
        Set(RunSettings.BackendsVariable, string.Join(',', BackendNames.All.Where(b => BackendNames.ProviderOf(b) != OrtExecutionProvider.Cpu)));
        Set(ModelStore.ModelsDirectoryVariable, Path.Combine(_root, "models"));
        Set(RunSettings.RunDirectoryVariable, Path.Combine(_root, "run"));
        Directory.CreateDirectory(Path.Combine(_root, "run"));
    }

    public void Dispose()
    {
        foreach ((string name, string? value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Directory.Delete(_root, recursive: true);
    }

    private void Set(string name, string value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    [Fact]
    public void Every_gpu_case_is_skipped_with_the_provider_named()
    {
        string run = Path.Combine(_root, "run");
        IConfig config = ManualConfig.Create(EdgeBenchConfig.Create(run, s_dry)).WithOptions(ConfigOptions.DisableOptimizationsValidator);

        BenchmarkRunner.Run<MobileNetBenchmarks>(config);
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(run, ResultsCsv.FileName));

        // 8 stage methods x 4 GPU backend values.
        Assert.Equal(32, rows.Count);
        Assert.Equal(["cuda", "cuda-bound", "tensorrt", "tensorrt-bound"], rows.Select(r => r.Ep).Distinct().Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Equal(CaseStatus.Skipped, r.Status);
            Assert.Contains(r.Ep.StartsWith("cuda", StringComparison.Ordinal) ? "CUDAExecutionProvider" : "TensorrtExecutionProvider", r.Reason, StringComparison.Ordinal);
            Assert.Null(r.MeanMs);
        });
        // The model was never built: availability is answered before any work.
        Assert.False(Directory.Exists(Path.Combine(_root, "models")) && Directory.EnumerateFiles(Path.Combine(_root, "models"), "*.onnx").Any());
    }

    [Fact]
    public void Backend_values_map_to_providers_and_results_columns()
    {
        Assert.Equal(["ort-cpu", "ort-cuda", "ort-cuda-bound", "ort-tensorrt", "ort-tensorrt-bound", "torchsharp-cpu"], BackendNames.All);
        Assert.Equal(("onnxruntime", "cuda-bound"), BackendNames.Split(BackendNames.OrtCudaBound));
        Assert.Equal(("onnxruntime", "tensorrt-bound"), BackendNames.Split(BackendNames.OrtTensorRtBound));
        Assert.True(BackendNames.Availability(BackendNames.OrtCpu).Available);
        Assert.False(BackendNames.Availability("ort-vulkan").Available);

        // Create itself turns a provider that cannot start into a skip, for failures only a session shows.
        var model = new ResolvedModel(ModelCatalog.Get(ModelCatalog.MobileNetV2Id), Precision.Fp32, Path.Combine(_root, "absent.onnx"), ModelSource.Generated);
        foreach (string name in (string[])[BackendNames.OrtCuda, BackendNames.OrtCudaBound, BackendNames.OrtTensorRt, BackendNames.OrtTensorRtBound])
        {
            var skipped = Assert.Throws<CaseSkippedException>(() => BackendNames.Create(name, model, 1, 0));
            Assert.Equal(BackendNames.Availability(name).Reason, skipped.Message);
        }
    }
}
