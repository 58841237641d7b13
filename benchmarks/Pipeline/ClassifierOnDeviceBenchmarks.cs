using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Imaging;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// The classifiers' camera loop resident on the GPU (<see cref="OrtCudaClassifierPipeline"/>: upload, EdgeBench's
/// preprocess kernel, the model, the logits' download, top-k on the host), against the model alone, in one
/// BenchmarkDotNet group as <see cref="SsdOnDeviceBenchmarks"/> does for SSD300: the ratio column answers "how close to
/// free are pre and post?".
/// <list type="bullet">
/// <item><see cref="DetectorOnly"/> (baseline): the model on its device-bound buffers, nothing uploaded or downloaded.
/// The stage keeps SSD300's name (<c>end-to-end-detector-only</c>) so that reports treat both the same way: a
/// comparison row, never a pipeline.</item>
/// <item><see cref="CudaKernelsPipelined"/>: the double-buffered loop on the same session and buffers; each call
/// stages and uploads its frames while the GPU runs the previous call and returns that call's top-k.</item>
/// </list>
/// CUDA device-bound backends only (ort-cuda-bound, ort-cuda-graph). Setup checks the loop against the C# stages
/// (<see cref="CudaKernelsCheck.Classifier"/>) before anything is timed.
/// </summary>
[BenchmarkCategory(Categories.MobileNet, Categories.ResNet)]
[RunsOn(BackendTraits.DeviceBound)]
public class ClassifierOnDeviceBenchmarks : EdgeBenchmark
{
    private OrtCudaClassifierPipeline? _pipeline;
    private ClassScore[] _top = [];

    /// <summary>The generated classifiers (the trained ResNet-18 too, where its file is present).</summary>
    [ParamsSource(nameof(ModelValues))]
    public string Model { get; set; } = ModelCatalog.MobileNetV2Id;

    public static IEnumerable<string> ModelValues => RunSettings.FromEnvironment().SelectModels(
        [ModelCatalog.MobileNetV2Id, ModelCatalog.ResNet18, ModelCatalog.ResNet50, ModelCatalog.ResNet18Pretrained]);

    [ParamsSource(nameof(PrecisionValues))]
    public string Precision { get; set; } = "fp32";

    [ParamsSource(nameof(BatchValues))]
    public int Batch { get; set; } = 1;

    [ParamsSource(nameof(BackendValues))]
    public string Backend { get; set; } = BackendNames.OrtCudaBound;

    public static IEnumerable<string> PrecisionValues => PipelineBenchmarks.PrecisionValues;

    public static IEnumerable<int> BatchValues => PipelineBenchmarks.BatchValues;

    public static IEnumerable<string> BackendValues => PipelineBenchmarks.BackendValues;

    /// <summary>Session, kernels and buffers (the baseline uses the same session), checked against the C# stages.</summary>
    [GlobalSetup]
    public void Setup() => RunSetup(() =>
    {
        CaseContext context = PrepareOnCudaStream(Backend, Batch, Precision);

        ResolvedModel model = RequireBatch(context.Store.Resolve(Model, context.Precision), Batch);
        _pipeline = new OrtCudaClassifierPipeline(model, Batch, Ring.Frames[0].Width, Ring.Frames[0].Height, BackendNames.Options(Backend, context.Settings.Threads));
        _top = new ClassScore[Batch * _pipeline.TopK];
        Console.WriteLine($"// {Backend} {Precision} b{Batch}: {CudaKernelsCheck.Classifier(_pipeline, model.Descriptor, Ring.Frames)}");
    });

    private protected override void ReleaseResources()
    {
        _pipeline?.Dispose();
        _pipeline = null;
    }

    /// <summary>Baseline: the model alone on the device (no frames, no pre/post, no copies).</summary>
    [Benchmark(Baseline = true)]
    [Stage(Categories.EndToEnd, "detector-only")]
    public int DetectorOnly()
    {
        Ready(_pipeline).RunModelOnly();
        return Batch;
    }

    /// <summary>The double-buffered camera loop; returns the number of top-k entries of the previous call.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "cuda-kernels-pipelined")]
    public int CudaKernelsPipelined()
    {
        OrtCudaClassifierPipeline pipeline = Ready(_pipeline);
        pipeline.RunPipelined(Ring.Next(Batch));
        return pipeline.ReadTopK(_top);
    }
}
