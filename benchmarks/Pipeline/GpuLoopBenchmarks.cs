using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// A family's camera loop resident on the GPU (<see cref="OrtCudaPipeline"/>) against its model alone, in one
/// BenchmarkDotNet group, so the ratio column answers "how close to free are pre and post?" (the GPU issue's 0.9x
/// target: end to end at least 0.9x the detector-only frame rate, a ratio of at most 1.11). The rows every family has:
/// <list type="bullet">
/// <item><see cref="DetectorOnly"/> (baseline): the model on its device-bound buffers, nothing uploaded or downloaded.
/// The stage keeps SSD300's name (<c>end-to-end-detector-only</c>) for every family, so that reports treat all of them
/// the same way: a comparison row, never a pipeline.</item>
/// <item><see cref="CudaKernels"/>: one synchronous call per batch on the same session and buffers: upload the frames
/// from where they lie (pageable memory: CUDA stages each copy), preprocess kernel, model, the family's postprocess,
/// one download.</item>
/// <item><see cref="CudaKernelsPageLockedFrames"/>: the same with the frame ring page-locked in setup, as a camera
/// stack with DMA-able buffers hands frames over (each upload a direct DMA).</item>
/// <item><see cref="CudaKernelsPipelined"/>: the loop double-buffered: each call copies its pageable frames into a
/// page-locked buffer while the GPU runs the previous call, uploads them on a copy stream and returns the previous
/// call's results.</item>
/// <item><see cref="CudaKernelsPipelinedPageLocked"/>: the double-buffered loop on page-locked frames: no host copy at
/// all, the upload a DMA beside the previous call's GPU work (where a loop bound by the host copy of large batches
/// shows what DMA-able buffers would give).</item>
/// </list>
/// CUDA device-bound backends only (ort-cuda-bound, ort-cuda-graph): CaseFilter drops the host-copy ones, setup skips
/// ort-tensorrt-bound with its reason. Before anything is timed, setup checks the loop against the C# stages on the
/// same tensors (<see cref="CheckAgainstReference"/>; the double-buffered rows also against the synchronous loop,
/// <see cref="CudaKernelsCheck.Pipelined"/>): a mismatch fails the case rather than timing a wrong pipeline.
/// </summary>
/// <typeparam name="TPipeline">The family's GPU loop.</typeparam>
[RunsOn(BackendTraits.DeviceBound)] // pre/post on the GPU works on device buffers
public abstract class GpuLoopBenchmarks<TPipeline> : EdgeBenchmark
    where TPipeline : OrtCudaPipeline
{
    private TPipeline? _pipeline;

    /// <summary>fp32 or fp16.</summary>
    [ParamsSource(nameof(PrecisionValues))]
    public string Precision { get; set; } = "fp32";

    /// <summary>Frames per call.</summary>
    [ParamsSource(nameof(BatchValues))]
    public int Batch { get; set; } = 1;

    /// <summary>A device-bound ONNX Runtime backend.</summary>
    [ParamsSource(nameof(BackendValues))]
    public string Backend { get; set; } = BackendNames.OrtCudaBound;

    // ParamsSource names members of the benchmark type itself; only BenchmarkDotNet reads these (by reflection), so the
    // static-on-generic-type rule (callers having to name the type argument) does not bite.
#pragma warning disable CA1000
    public static IEnumerable<string> PrecisionValues => PipelineBenchmarks.PrecisionValues;

    public static IEnumerable<int> BatchValues => PipelineBenchmarks.BatchValues;

    public static IEnumerable<string> BackendValues => PipelineBenchmarks.BackendValues;
#pragma warning restore CA1000

    /// <summary>The case's model id (the derived class's Model parameter).</summary>
    private protected abstract string ModelId { get; }

    [GlobalSetup(Target = nameof(DetectorOnly))]
    public void SetupDetectorOnly() => RunSetup(() => CreatePipeline(pageLockFrames: false, pipelined: false), nameof(DetectorOnly));

    [GlobalSetup(Target = nameof(CudaKernels))]
    public void SetupKernels() => RunSetup(() => CreatePipeline(pageLockFrames: false, pipelined: false), nameof(CudaKernels));

    [GlobalSetup(Target = nameof(CudaKernelsPageLockedFrames))]
    public void SetupKernelsPageLocked() => RunSetup(() => CreatePipeline(pageLockFrames: true, pipelined: false), nameof(CudaKernelsPageLockedFrames));

    [GlobalSetup(Target = nameof(CudaKernelsPipelined))]
    public void SetupKernelsPipelined() => RunSetup(() => CreatePipeline(pageLockFrames: false, pipelined: true), nameof(CudaKernelsPipelined));

    [GlobalSetup(Target = nameof(CudaKernelsPipelinedPageLocked))]
    public void SetupKernelsPipelinedPageLocked() => RunSetup(() => CreatePipeline(pageLockFrames: true, pipelined: true), nameof(CudaKernelsPipelinedPageLocked));

    /// <summary>Baseline: the model alone on the device (no frames, no pre/post, no copies).</summary>
    [Benchmark(Baseline = true)]
    [Stage(Categories.EndToEnd, "detector-only")]
    public int DetectorOnly()
    {
        Ready(_pipeline).RunModelOnly();
        return Batch;
    }

    /// <summary>One synchronous camera-loop call; returns the number of results (detections or top-k entries).</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "cuda-kernels")]
    public int CudaKernels()
    {
        TPipeline pipeline = Ready(_pipeline);
        pipeline.Run(Ring.Next(Batch));
        return ReadResults(pipeline);
    }

    /// <summary><see cref="CudaKernels"/> with the frame ring page-locked in setup: each upload a direct DMA from the frame.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "cuda-kernels-page-locked")]
    public int CudaKernelsPageLockedFrames() => CudaKernels();

    /// <summary>
    /// The double-buffered loop: per call the frame rate a video loop gets; each frame's result arrives one call later.
    /// Returns the number of the previous call's results.
    /// </summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "cuda-kernels-pipelined")]
    public int CudaKernelsPipelined()
    {
        TPipeline pipeline = Ready(_pipeline);
        pipeline.RunPipelined(Ring.Next(Batch));
        return ReadResults(pipeline);
    }

    /// <summary><see cref="CudaKernelsPipelined"/> on page-locked frames: uploaded straight from where they lie, no host copy.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, "cuda-kernels-pipelined-page-locked")]
    public int CudaKernelsPipelinedPageLocked() => CudaKernelsPipelined();

    private protected override void ReleaseResources()
    {
        _pipeline?.Dispose();
        _pipeline = null;
    }

    /// <summary>The family's loop for <paramref name="model"/> on the ring's frame size.</summary>
    private protected abstract TPipeline Create(ResolvedModel model, OrtBackendOptions options);

    /// <summary>Runs the loop on the ring's first frames and compares with the C# stages on the same tensors; returns a summary line, throws on a mismatch.</summary>
    private protected abstract string CheckAgainstReference(TPipeline pipeline, ModelDescriptor model);

    /// <summary>The results of the last completed call as an array (compared between the synchronous and the double-buffered loop).</summary>
    private protected abstract Array Snapshot(TPipeline pipeline);

    /// <summary>Reads the last completed call's results on the host, as a consumer would; returns their count.</summary>
    private protected abstract int ReadResults(TPipeline pipeline);

    /// <summary>The family's refusals of a model the loop cannot run (a skip with its reason); by default none.</summary>
    private protected virtual ResolvedModel Require(ResolvedModel model) => model;

    /// <summary>The session, kernels and buffers (the baseline uses the same session), checked before anything is timed.</summary>
    private void CreatePipeline(bool pageLockFrames, bool pipelined)
    {
        CaseContext context = PrepareOnCudaStream(Backend, Batch, Precision);
        ResolvedModel model = Require(RequireBatch(context.Store.Resolve(ModelId, context.Precision), Batch));
        TPipeline pipeline = Create(model, BackendNames.Options(Backend, context.Settings.Threads));
        _pipeline = pipeline;
        string label = $"// {Backend} {Precision} b{Batch}";
        if (pageLockFrames)
        {
            Console.WriteLine($"{label}: {pipeline.PageLockFrames(Ring.Frames)} of {Ring.Frames.Length} camera frames page-locked");
        }

        Console.WriteLine($"{label}: {CheckAgainstReference(pipeline, model.Descriptor)}");
        if (pipelined)
        {
            Console.WriteLine($"{label}: {CudaKernelsCheck.Pipelined(pipeline, Ring.Frames, () => Snapshot(pipeline))}");
        }
    }
}

/// <summary>
/// <see cref="GpuLoopBenchmarks{TPipeline}"/> for the detectors (SSD300, YOLOv3-tiny): their results are the detections
/// of the pipeline's fixed result slots.
/// </summary>
/// <typeparam name="TPipeline">The family's GPU loop.</typeparam>
public abstract class GpuDetectorLoopBenchmarks<TPipeline> : GpuLoopBenchmarks<TPipeline>
    where TPipeline : OrtCudaDetectorPipeline
{
    /// <summary>The detections a timed call reads (room for 8 images of 300; no allocation once grown).</summary>
    private protected List<Detection> Detections { get; } = new(capacity: 8 * 300);

    private protected override Array Snapshot(TPipeline pipeline) => CudaKernelsCheck.Detections(pipeline);

    private protected override int ReadResults(TPipeline pipeline) => pipeline.ReadDetections(Detections);
}
