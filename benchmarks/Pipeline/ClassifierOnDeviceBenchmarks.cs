using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Postprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// The classifiers' camera loop resident on the GPU (<see cref="OrtCudaClassifierPipeline"/>: upload, EdgeBench's
/// preprocess kernel, the model, the logits' download, top-k on the host) against the model alone
/// (<see cref="GpuLoopBenchmarks{TPipeline}"/>'s rows). Setup checks the loop against the C# stages
/// (<see cref="CudaKernelsCheck.Classifier"/>) before anything is timed.
/// </summary>
[BenchmarkCategory(Categories.MobileNet, Categories.ResNet)]
public class ClassifierOnDeviceBenchmarks : GpuLoopBenchmarks<OrtCudaClassifierPipeline>
{
    private ClassScore[] _top = [];

    /// <summary>The generated classifiers (the trained ResNet-18 too, where its file is present).</summary>
    [ParamsSource(nameof(ModelValues))]
    public string Model { get; set; } = ModelCatalog.MobileNetV2Id;

    public static IEnumerable<string> ModelValues => RunSettings.FromEnvironment().SelectModels(
        [ModelCatalog.MobileNetV2Id, ModelCatalog.ResNet18, ModelCatalog.ResNet50, ModelCatalog.ResNet18Pretrained]);

    private protected override string ModelId => Model;

    private protected override OrtCudaClassifierPipeline Create(ResolvedModel model, OrtBackendOptions options)
    {
        var pipeline = new OrtCudaClassifierPipeline(model, Batch, Ring.Frames[0].Width, Ring.Frames[0].Height, options);
        _top = new ClassScore[Batch * pipeline.TopK];
        return pipeline;
    }

    private protected override string CheckAgainstReference(OrtCudaClassifierPipeline pipeline, ModelDescriptor model) =>
        CudaKernelsCheck.Classifier(pipeline, model, Ring.Frames.AsSpan(0, Batch));

    private protected override Array Snapshot(OrtCudaClassifierPipeline pipeline)
    {
        var top = new ClassScore[Batch * pipeline.TopK];
        return top[..pipeline.ReadTopK(top)];
    }

    private protected override int ReadResults(OrtCudaClassifierPipeline pipeline) => pipeline.ReadTopK(_top);
}
