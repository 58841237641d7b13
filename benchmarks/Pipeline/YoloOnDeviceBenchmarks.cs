using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// YOLOv3-tiny's camera loop resident on the GPU (<see cref="OrtCudaYoloPipeline"/>: upload, EdgeBench's preprocess
/// kernel, the model, EdgeBench's YOLO decode + class NMS + merge kernels, one download of 300 slots per image)
/// against the model alone (<see cref="GpuLoopBenchmarks{TPipeline}"/>'s rows). Setup checks the loop against the C#
/// stages (<see cref="CudaKernelsCheck.Yolo"/>) before anything is timed.
/// </summary>
[BenchmarkCategory(Categories.Yolo)]
public class YoloOnDeviceBenchmarks : GpuDetectorLoopBenchmarks<OrtCudaYoloPipeline>
{
    /// <summary>The detector (one value: the decode is YOLOv3-tiny's; none when --model leaves it out).</summary>
    [ParamsSource(nameof(ModelValues))]
    public string Model { get; set; } = ModelCatalog.TinyYoloV3;

    public static IEnumerable<string> ModelValues => RunSettings.FromEnvironment().SelectModels([ModelCatalog.TinyYoloV3]);

    private protected override string ModelId => Model;

    private protected override OrtCudaYoloPipeline Create(ResolvedModel model, OrtBackendOptions options) =>
        new(model, Batch, Ring.Frames[0].Width, Ring.Frames[0].Height, options);

    private protected override string CheckAgainstReference(OrtCudaYoloPipeline pipeline, ModelDescriptor model) =>
        CudaKernelsCheck.Yolo(pipeline, model, Ring.Frames.AsSpan(0, Batch));
}
