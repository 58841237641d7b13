using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Fused;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// SSD300 with pre- and postprocessing on the GPU, against the detector alone, in one BenchmarkDotNet group so the
/// ratio column answers "how close to free are pre and post?" (the accelerator issue's 0.9x target: end to end at
/// least 0.9x the detector-only frame rate, i.e. a ratio of at most 1.11):
/// <list type="bullet">
/// <item><see cref="DetectorOnly"/> (baseline): the SSD300 model on device-bound buffers, nothing uploaded or
/// downloaded: the frame rate pre/post-free processing would reach.</item>
/// <item><see cref="CudaKernels"/>: the camera loop with EdgeBench's CUDA kernels for pre- and postprocessing
/// (<see cref="OrtCudaSsdPipeline"/>: upload frames, preprocess, model, decode + top-k + NMS, download 200
/// detections per image), on the same session and buffers as the baseline. Frames are uploaded from where they lie
/// (pageable memory: CUDA stages each copy); <see cref="CudaKernelsPageLockedFrames"/> page-locks the frame ring
/// first, as a camera stack with DMA-able buffers would hand frames over; <see cref="CudaKernelsPipelined"/>
/// double-buffers the loop (<see cref="OrtCudaSsdPipeline.RunPipelined"/>): the host copy of the pageable frames
/// overlaps the previous call's GPU work.</item>
/// <item><see cref="FusedGraph"/>: the same loop as the ladder's level 2: the fused ONNX graph
/// (<see cref="OrtFusedSsdRunner"/>).</item>
/// </list>
/// CUDA device-bound backends only (ort-cuda-bound, ort-cuda-graph): CaseFilter drops the host-copy ones, setup skips
/// ort-tensorrt-bound with its reason.
/// Before the CUDA kernels are timed, setup runs them once on the benchmark's frames and compares the preprocessed
/// input and the detections with the C# reference stages on the same tensors (<see cref="CudaKernelsCheck"/>): a
/// mismatch fails the case rather than timing a wrong pipeline.
/// </summary>
[BenchmarkCategory(Categories.Ssd)]
public class SsdOnDeviceBenchmarks : IDisposable, IPerMethodSetup
{
    private FrameRing _ring = FrameRing.Empty;
    private readonly List<Detection> _detections = new(capacity: 8 * 200);
    private OrtCudaSsdPipeline? _kernels;
    private OrtFusedSsdRunner? _fused;

    /// <summary>The detector (one value: the class exists for SSD300's decode).</summary>
    [Params(ModelCatalog.Ssd300)]
    public string Model { get; set; } = ModelCatalog.Ssd300;

    /// <summary>fp32 or fp16.</summary>
    [ParamsSource(nameof(PrecisionValues))]
    public string Precision { get; set; } = "fp32";

    /// <summary>Frames per call.</summary>
    [ParamsSource(nameof(BatchValues))]
    public int Batch { get; set; } = 1;

    /// <summary>A device-bound ONNX Runtime backend.</summary>
    [ParamsSource(nameof(BackendValues))]
    public string Backend { get; set; } = BackendNames.OrtCudaBound;

    public static IEnumerable<string> PrecisionValues => PipelineBenchmarks.PrecisionValues;

    public static IEnumerable<int> BatchValues => PipelineBenchmarks.BatchValues;

    public static IEnumerable<string> BackendValues => PipelineBenchmarks.BackendValues;

    /// <summary>Session, kernels and buffers of the CUDA kernels path (the baseline uses the same session); checked against the C# stages.</summary>
    [GlobalSetup(Target = nameof(DetectorOnly))]
    public void SetupDetectorOnly() => Guarded(nameof(DetectorOnly), () => CreateKernels(pageLockFrames: false));

    /// <summary>As <see cref="SetupDetectorOnly"/>.</summary>
    [GlobalSetup(Target = nameof(CudaKernels))]
    public void SetupKernels() => Guarded(nameof(CudaKernels), () => CreateKernels(pageLockFrames: false));

    /// <summary>As <see cref="SetupKernels"/>, then checks the double-buffered loop against the synchronous one.</summary>
    [GlobalSetup(Target = nameof(CudaKernelsPipelined))]
    public void SetupKernelsPipelined() => Guarded(nameof(CudaKernelsPipelined), () =>
    {
        CreateKernels(pageLockFrames: false);
        Console.WriteLine($"// {Backend} {Precision} b{Batch}: {CudaKernelsCheck.Pipelined(_kernels!, _ring.Frames)}");
    });

    /// <summary>As <see cref="SetupKernels"/>, with the camera frames page-locked where they lie.</summary>
    [GlobalSetup(Target = nameof(CudaKernelsPageLockedFrames))]
    public void SetupKernelsPageLocked() => Guarded(nameof(CudaKernelsPageLockedFrames), () => CreateKernels(pageLockFrames: true));

    /// <summary>The fused graph of the ladder's level 2 (NMS unrolled, with its exact companion), bound to device buffers.</summary>
    [GlobalSetup(Target = nameof(FusedGraph))]
    public void SetupFused() => Guarded(nameof(FusedGraph), () =>
    {
        (Precision precision, RunSettings settings) = Prepare();
        var store = new ModelStore(ModelStore.DefaultDirectory());
        FusedSsdSpec spec = FusedSsdReferenceSpec.For(ModelCatalog.Get(Model), _ring.Frames[0].Width, _ring.Frames[0].Height) with { NmsSteps = FusedSsdSpec.DefaultNmsSteps };
        FusedSsdModel fused = FusedSsdModels.Resolve(store, Model, precision, spec);
        _fused = new OrtFusedSsdRunner(fused, Batch, BackendNames.Options(Backend, settings.Threads), deviceBound: true);
    });

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_fused is { Runs: > 0 })
        {
            Console.WriteLine($"// fused graph on {Backend}: {_fused.ExactReruns} of {_fused.Runs} calls reran with exact (looped) NMS");
        }

        _kernels?.Dispose();
        _kernels = null;
        _fused?.Dispose();
        _fused = null;
    }

    /// <summary>Disposes the native objects if a run did not call <see cref="Cleanup"/>.</summary>
    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }

    /// <summary>Baseline: the model alone on the device (no frames, no pre/post, no copies).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.EndToEnd)]
    public int DetectorOnly()
    {
        OrtCudaSsdPipeline pipeline = _kernels ?? throw new InvalidOperationException("GlobalSetup did not run.");
        pipeline.RunModelOnly();
        return Batch;
    }

    /// <summary>Camera loop with EdgeBench's CUDA pre/post kernels; returns the detection count.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.EndToEnd)]
    public int CudaKernels()
    {
        OrtCudaSsdPipeline pipeline = _kernels ?? throw new InvalidOperationException("GlobalSetup did not run.");
        pipeline.Run(NextFrames());
        return pipeline.ReadDetections(_detections);
    }

    /// <summary>
    /// <see cref="CudaKernels"/> with the frame ring page-locked in setup, as a camera stack with DMA-able buffers
    /// delivers frames: each upload is then a direct DMA from the frame (no staging copy on the host).
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Categories.EndToEnd)]
    public int CudaKernelsPageLockedFrames() => CudaKernels();

    /// <summary>
    /// The camera loop double-buffered: each call copies its (pageable) frames into a page-locked buffer while the GPU
    /// finishes the previous call, waits for it, queues its own and returns the previous call's detection count. Per
    /// call this is the frame rate a video loop gets; each frame's result arrives one call later.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Categories.EndToEnd)]
    public int CudaKernelsPipelined()
    {
        OrtCudaSsdPipeline pipeline = _kernels ?? throw new InvalidOperationException("GlobalSetup did not run.");
        pipeline.RunPipelined(NextFrames());
        return pipeline.ReadDetections(_detections);
    }

    /// <summary>Camera loop with the fused ONNX graph; returns the detection count.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.EndToEnd)]
    public int FusedGraph()
    {
        OrtFusedSsdRunner runner = _fused ?? throw new InvalidOperationException("GlobalSetup did not run.");
        runner.LoadFrames(NextFrames());
        runner.Run();
        return runner.ReadDetections(_detections);
    }

    private void CreateKernels(bool pageLockFrames)
    {
        (Precision precision, RunSettings settings) = Prepare();
        ResolvedModel model = new ModelStore(ModelStore.DefaultDirectory()).Resolve(Model, precision);
        _kernels = new OrtCudaSsdPipeline(model, Batch, _ring.Frames[0].Width, _ring.Frames[0].Height, BackendNames.Options(Backend, settings.Threads));
        if (pageLockFrames)
        {
            int locked = _kernels.PageLockFrames(_ring.Frames);
            Console.WriteLine($"// {Backend} {Precision} b{Batch}: {locked} of {_ring.Frames.Length} camera frames page-locked");
        }

        Console.WriteLine($"// {Backend} {Precision} b{Batch}: {CudaKernelsCheck.Run(_kernels, model.Descriptor, _ring.Frames.AsSpan(0, Batch))}");
    }

    private (Precision Precision, RunSettings Settings) Prepare()
    {
        if (!PrecisionNames.TryParse(Precision, out Precision precision))
        {
            throw new ArgumentException($"Precision '{Precision}' is not fp32 or fp16.");
        }

        (bool available, string reason) = BackendNames.Availability(Backend);
        if (!available)
        {
            throw new CaseSkippedException(reason);
        }

        if (BackendNames.ProviderOf(Backend) != OrtExecutionProvider.Cuda || !BackendNames.IsDeviceBound(Backend))
        {
            // The kernels share a CUDA stream with the session, which only the CUDA provider is given.
            throw new CaseSkippedException("pre/post on the GPU runs with the CUDA provider on device-bound buffers (ort-cuda-bound, ort-cuda-graph)");
        }

        RunSettings settings = RunSettings.FromEnvironment();
        _ring = new FrameRing(CameraFrames.Load(settings.Frames, Math.Max(8, 2 * Batch)));
        return (precision, settings);
    }

    private void Guarded(string method, Action setup)
    {
        try
        {
            setup();
        }
        catch (Exception e)
        {
            // A provider or library missing here is a skip with its reason (CaseOutcomes tells), anything else fails
            // the case. Recorded per method (IPerMethodSetup: each method has its own setup) so edgebench.csv says
            // which and why.
            CaseOutcomes.RecordFailure(CaseOutcomes.Key(nameof(SsdOnDeviceBenchmarks), Model, Precision, Batch, Backend, method), e);
            Cleanup();
            throw;
        }
    }

    private ReadOnlySpan<FrameBuffer> NextFrames() => _ring.Next(Batch);
}
