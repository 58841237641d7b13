using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Fused;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// SSD300 with pre- and postprocessing on the GPU, against the detector alone (<see cref="GpuLoopBenchmarks{TPipeline}"/>'s
/// rows, with <see cref="OrtCudaSsdPipeline"/>: upload frames, EdgeBench's preprocess kernel, model, decode + top-k +
/// NMS kernels, download 200 detections per image), plus <see cref="FusedGraph"/>: the same loop as the ladder's level
/// 2, the fused ONNX graph (<see cref="OrtFusedSsdRunner"/>). Setup checks the kernels path against the C# stages on
/// the same tensors (<see cref="CudaKernelsCheck.Run"/>) before anything is timed.
/// </summary>
[BenchmarkCategory(Categories.Ssd)]
public class SsdOnDeviceBenchmarks : GpuDetectorLoopBenchmarks<OrtCudaSsdPipeline>
{
    private OrtFusedSsdRunner? _fused;

    /// <summary>The detector (one value: the class exists for SSD300's decode; none when --model leaves SSD300 out).</summary>
    [ParamsSource(nameof(ModelValues))]
    public string Model { get; set; } = ModelCatalog.Ssd300;

    public static IEnumerable<string> ModelValues => RunSettings.FromEnvironment().SelectModels([ModelCatalog.Ssd300]);

    private protected override string ModelId => Model;

    /// <summary>The fused graph of the ladder's level 2 (NMS unrolled, with its exact companion), bound to device buffers.</summary>
    [GlobalSetup(Target = nameof(FusedGraph))]
    public void SetupFused() => RunSetup(
        () =>
        {
            CaseContext context = PrepareOnCudaStream(Backend, Batch, Precision);
            FusedSsdSpec spec = FusedSsdReferenceSpec.For(ModelCatalog.Get(Model), Ring.Frames[0].Width, Ring.Frames[0].Height) with { NmsSteps = FusedSsdSpec.DefaultNmsSteps };
            RequireSsd300Anchors(RequireBatch(context.Store.Resolve(Model, context.Precision), Batch));
            FusedSsdModel fused = FusedSsdModels.Resolve(context.Store, Model, context.Precision, spec);
            _fused = new OrtFusedSsdRunner(fused, Batch, BackendNames.Options(Backend, context.Settings.Threads), deviceBound: true);
        },
        nameof(FusedGraph));

    /// <summary>Camera loop with the fused ONNX graph; returns the detection count.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "fused-graph")]
    public int FusedGraph()
    {
        OrtFusedSsdRunner runner = Ready(_fused);
        runner.LoadFrames(Ring.Next(Batch));
        runner.Run();
        return runner.ReadDetections(Detections);
    }

    private protected override void ReleaseResources()
    {
        if (_fused is { Runs: > 0 })
        {
            Console.WriteLine($"// fused graph on {Backend}: {_fused.ExactReruns} of {_fused.Runs} calls reran with exact (looped) NMS");
        }

        _fused?.Dispose();
        _fused = null;
        base.ReleaseResources();
    }

    private protected override ResolvedModel Require(ResolvedModel model) => RequireSsd300Anchors(model);

    private protected override OrtCudaSsdPipeline Create(ResolvedModel model, OrtBackendOptions options) =>
        new(model, Batch, Ring.Frames[0].Width, Ring.Frames[0].Height, options);

    private protected override string CheckAgainstReference(OrtCudaSsdPipeline pipeline, ModelDescriptor model) =>
        CudaKernelsCheck.Run(pipeline, model, Ring.Frames.AsSpan(0, Batch));
}
