using System.Globalization;
using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Core.Inference;
using EdgeBench.Core.Models;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Pipeline.Frames;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// Every stage of the vision pipeline and the end-to-end loop for one model family, over model x precision x
/// batch x backend. Each stage category has its baseline in the same class, so BenchmarkDotNet prints ratios:
/// the scalar reference preprocess (beside it, a plain memory copy of the same output bytes) and the naive
/// postprocess. The Backend value picks the pipeline (<see cref="BackendNames.CreatePipeline"/>): ONNX Runtime values
/// run EdgeBench's C# pipeline, <c>torchsharp-cpu</c> the same stages in libtorch ops (TorchVisionPipeline); the
/// baselines, which do not depend on the backend, run on ONNX Runtime values only (<see cref="CaseFilter"/>).
/// </summary>
/// <remarks>
/// Inputs: a seeded synthetic 640x480 video (or the user's footage, --frames), decoded once and converted to BGR24
/// as a camera decoder hands frames over; each call takes the next <see cref="Batch"/> frames of a ring, so
/// consecutive calls see different frames.
/// Postprocess cases decode recorded-style outputs with a stated number of candidates per frame
/// (<see cref="SsdCandidatesPerFrame"/>, <see cref="YoloCandidatesPerFrame"/>) because the generated models' random
/// weights do not make real detections; the end-to-end loop decodes what the model actually outputs.
/// </remarks>
public abstract class PipelineBenchmarks : EdgeBenchmark
{
    /// <summary>Camera resolution of the synthetic video.</summary>
    public const int FrameWidth = 640;

    /// <summary>Camera resolution of the synthetic video.</summary>
    public const int FrameHeight = 480;

    /// <summary>SSD300 candidates (box, class) above 0.05 per frame in the postprocess cases: a busy street scene.</summary>
    public const int SsdCandidatesPerFrame = 600;

    /// <summary>YOLOv3-tiny candidates above the confidence threshold per frame in the postprocess cases.</summary>
    public const int YoloCandidatesPerFrame = 150;

    /// <summary>
    /// YOLOv8/YOLOv5 boxes above score 0.25 per frame in the postprocess cases (single-label: one candidate per box),
    /// near what the calibrated yolov8n head gives end to end (<c>ModelCatalog.YoloV8ClassBias</c>).
    /// </summary>
    public const int UltralyticsCandidatesPerFrame = 150;

    /// <summary>Objects the recorded-style outputs cluster candidates around (NMS has real overlaps to suppress).</summary>
    public const int ObjectsPerFrame = 12;

    /// <summary>Why the default run leaves TorchSharp fp16 out, and how to run it anyway.</summary>
    public const string TorchSharpFp16SkipReason =
        "not in the default run: libtorch's CPU fp16 kernels are 6-28x slower than fp32 on x86 CPUs without native fp16 arithmetic " +
        "(measured, src/EdgeBench.Inference.TorchSharp/README.md), which alone would exceed the suite's time budget; " +
        "name the backend to run them: --backend torchsharp-cpu (or --backend ort-cpu,torchsharp-cpu)";

    private const int OutputSeed = 7;

    /// <summary>Why a configuration's cold-start launches failed, by setup key (see <see cref="RunColdStart"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_coldStartFailures = new(StringComparer.Ordinal);

    private IVisionPipeline? _pipeline;
    private string? _pipelineKey;
    private double? _addedRssMib;
    private ColdStartRecord? _coldStart;
    private OrtDeviceBoundBackend? _deviceBound;
    private HostTensor[] _recordedOutputs = [];
    private byte[] _copySource = [];
    private VisionPipelineProcessor? _frameProcessor;
    private long[] _extraCallFrameNumbers = [];
    private bool _scenarioMeasured;
    private SsdPostprocessorReference? _naiveSsd;
    private YoloV3TinyPostprocessorReference? _naiveYolo;
    private UltralyticsPostprocessorReference? _naiveUltralytics;

    /// <summary>Model id: a catalog id or the user's own (models/&lt;id&gt;.onnx with its sidecar).</summary>
    [ParamsSource(nameof(SelectedModels))]
    public string Model { get; set; } = string.Empty;

    /// <summary>fp32, fp16 or int8.</summary>
    [ParamsSource(nameof(PrecisionValues))]
    public string Precision { get; set; } = "fp32";

    /// <summary>Frames per call.</summary>
    [ParamsSource(nameof(BatchValues))]
    public int Batch { get; set; } = 1;

    /// <summary>Engine and execution provider, e.g. ort-cpu.</summary>
    [ParamsSource(nameof(BackendValues))]
    public string Backend { get; set; } = BackendNames.OrtCpu;

    /// <summary>The model ids this family's class runs when --model does not narrow them.</summary>
    public abstract IEnumerable<string> ModelValues { get; }

    /// <summary>This class's models that the run selects (--model: all of them when not given).</summary>
    public IEnumerable<string> SelectedModels => RunSettings.FromEnvironment().SelectModels(ModelValues);

    public static IEnumerable<string> PrecisionValues => RunSettings.FromEnvironment().Precisions.Select(p => p.ToName());

    public static IEnumerable<int> BatchValues => RunSettings.FromEnvironment().Batches;

    public static IEnumerable<string> BackendValues => RunSettings.FromEnvironment().Backends;

    private IVisionPipeline Pipeline => Ready(_pipeline);

    /// <summary>The backend-independent reference methods: EdgeBench's own C# baselines of the stages (see CaseFilter).</summary>
    internal static bool IsReferenceBaseline(string method) =>
        method is nameof(PreprocessScalarReference) or nameof(PreprocessMemoryCopy) or nameof(PostprocessNaive);

    /// <summary>EdgeBench's own pipeline: the backend-independent baselines read its RGB frame tensor (see CaseFilter).</summary>
    private VisionPipeline CSharpPipeline => Pipeline as VisionPipeline
        ?? throw new InvalidOperationException($"{Backend}: the backend-independent baselines run with ONNX Runtime backends only (CaseFilter drops them here).");

    /// <summary>Builds (or reuses) the model file, the backend, the pipeline and the inputs: nothing here is timed.</summary>
    [GlobalSetup]
    public void Setup() => RunSetup(SetupCore);

    private void SetupCore()
    {
        CaseContext context = Prepare(Backend, Batch, Precision);
        if (Backend == BackendNames.TorchSharpCpu && context.Precision == Core.Precision.Fp16 && !context.Settings.BackendsExplicit)
        {
            throw new CaseSkippedException(TorchSharpFp16SkipReason);
        }

        ResolvedModel model = RequireBatch(context.Store.Resolve(Model, context.Precision), Batch);

        (int width, int height, int threads) = (Ring.Frames[0].Width, Ring.Frames[0].Height, context.Settings.EffectiveThreads);
        _pipelineKey = string.Create(CultureInfo.InvariantCulture, $"{model.Path}|{Backend}|{Batch}|{threads}|{width}x{height}");
        _pipeline = KeptPipeline.Take(_pipelineKey, () => BackendNames.CreatePipeline(Backend, model, Batch, threads, width, height), out _addedRssMib);
        CaseMemory.SetModel(_addedRssMib, model.SizeBytes);
        IInferenceBackend backend = Pipeline.Backend;
        _deviceBound = backend as OrtDeviceBoundBackend; // resolved once, not inside the timed InferenceOnDevice

        // Frames and input tensor hold valid data before any stage runs. Inference itself is left to the measured
        // (and warm-up) calls: running it here would cost every stage case a full forward pass.
        Pipeline.ToTensor(NextFrames());
        Pipeline.Preprocess();
        _copySource = new byte[backend.Input.ByteCount];
        backend.Input.Bytes.CopyTo(_copySource);
        _recordedOutputs = RecordedOutputs(backend);
        _frameProcessor = new VisionPipelineProcessor(Pipeline, Ring.Frames);
        _extraCallFrameNumbers = new long[Batch];
        _scenarioMeasured = false;
        _naiveSsd = Pipeline.Model.Postprocess == PostprocessKind.Ssd
            ? new SsdPostprocessorReference(DecodeOptions.For(Pipeline.Model), SsdDefaultBoxes.For(Pipeline.Model.SsdAnchors))
            : null;
        _naiveYolo = Pipeline.Model.Postprocess == PostprocessKind.YoloV3Tiny ? new YoloV3TinyPostprocessorReference() : null;
        _naiveUltralytics = NaiveUltralytics(Pipeline.Model);
    }

    private protected override void ReleaseResources()
    {
        if (_pipeline is not null && EndedNormally && _pipelineKey is not null)
        {
            KeptPipeline.Keep(_pipelineKey, _pipeline, _addedRssMib); // the next case of this configuration takes it
        }
        else
        {
            _pipeline?.Dispose();
        }

        _pipeline = null;
        _deviceBound = null;
        _frameProcessor = null;
    }

    /// <summary>Stage 1: copy the batch's camera frames into the pipeline's RGB tensor (BGR -> RGB).</summary>
    [Benchmark]
    [Stage(Categories.ToTensor)]
    public int ToTensor()
    {
        Pipeline.ToTensor(NextFrames());
        return Pipeline.FrameTensorBytes;
    }

    /// <summary>Baseline of stage 2: the scalar reference (per pixel: bilinear sample or pad, normalize, write in the model's layout).</summary>
    // BDN1107 (one baseline per class) does not see categories given through a BenchmarkCategoryAttribute subclass
    // ([Stage]); BenchmarkDotNet itself does, and groups baselines by category (EdgeBenchConfig's logical group rules).
#pragma warning disable BDN1107
    [Benchmark(Baseline = true)]
#pragma warning restore BDN1107
    [Stage(Categories.Preprocess, "scalar-reference")]
    [RunsOn(BackendTraits.OnnxRuntime)] // EdgeBench's own C# whatever the backend: its ort-cpu row is the reference
    public int PreprocessScalarReference()
    {
        VisionPipeline pipeline = CSharpPipeline;
        HostTensor input = pipeline.Backend.Input;
        for (int i = 0; i < Batch; i++)
        {
            if (input.ElementType == Core.Precision.Fp16)
            {
                PreprocessReference.Run(pipeline.Frames.Frame(i), pipeline.Model, input.AsHalf(), i);
            }
            else
            {
                PreprocessReference.Run(pipeline.Frames.Frame(i), pipeline.Model, input.AsFloat(), i);
            }
        }

        return input.ByteCount;
    }

    /// <summary>Stage 2: resize (stretch or letterbox) + normalize + the model's channel order and layout (+ fp16) into the model input, vectorized.</summary>
    [Benchmark]
    [Stage(Categories.Preprocess)]
    public int Preprocess()
    {
        Pipeline.Preprocess();
        return Pipeline.Backend.Input.ByteCount;
    }

    /// <summary>A plain memory copy of as many bytes as the preprocess writes: the speed limit it is compared with.</summary>
    [Benchmark]
    [Stage(Categories.Preprocess, "memcpy")]
    [RunsOn(BackendTraits.OnnxRuntime)] // backend-independent, as the scalar reference
    public int PreprocessMemoryCopy()
    {
        _copySource.AsSpan().CopyTo(Pipeline.Backend.Input.Bytes);
        return _copySource.Length;
    }

    /// <summary>Stage 3: the model on the prepared input.</summary>
    [Benchmark]
    [Stage(Categories.Inference)]
    public int Inference()
    {
        Pipeline.Infer();
        return Pipeline.Backend.Outputs.Count;
    }

    /// <summary>
    /// Stage 3 without the host-device copies: the model on the device-resident input, outputs left on the device
    /// (<see cref="OrtDeviceBoundBackend.RunOnDevice"/>; the clock stops when the GPU is done). Only the device-bound
    /// backend values have it (CaseFilter drops it elsewhere); beside <see cref="Inference"/> it shows what the two
    /// copies cost.
    /// </summary>
    [Benchmark]
    [Stage(Categories.Inference, "on-device")]
    [RunsOn(BackendTraits.DeviceBound)]
    public int InferenceOnDevice()
    {
        OrtDeviceBoundBackend bound = Ready(_deviceBound);
        bound.RunOnDevice();
        return bound.Outputs.Count;
    }

    /// <summary>Baseline of stage 4: the naive port of the reference (per-box arrays, all boxes decoded, O(n²) NMS).</summary>
#pragma warning disable BDN1107 // see PreprocessScalarReference
    [Benchmark(Baseline = true)]
#pragma warning restore BDN1107
    [Stage(Categories.Postprocess, "naive")]
    [RunsOn(BackendTraits.OnnxRuntime)] // backend-independent, as the scalar reference
    public int PostprocessNaive()
    {
        // A naive port reads fp16 outputs as a float copy first, as PyTorch code calls .float().
        return Pipeline.Model.Postprocess switch
        {
            PostprocessKind.Ssd => _naiveSsd!.Process(AsFloat(_recordedOutputs[0]), AsFloat(_recordedOutputs[1]), Batch).Count,
            PostprocessKind.YoloV3Tiny => _naiveYolo!.Process(AsFloat(_recordedOutputs[0]), AsFloat(_recordedOutputs[1]), Batch).Count,
            PostprocessKind.YoloV8 or PostprocessKind.YoloV5 => _naiveUltralytics!.Process(AsFloat(_recordedOutputs[0]), Batch).Count,
            PostprocessKind.Classification => ClassificationPostprocessorReference.Process(AsFloat(_recordedOutputs[0]), Batch, new DecodeOptions().ClassificationTopK).Count,
            _ => 0,
        };
    }

    /// <summary>Stage 4: decoding + NMS (detectors) or softmax + top-5 (classifiers), vectorized and allocation-free.</summary>
    [Benchmark]
    [Stage(Categories.Postprocess)]
    public int Postprocess() => Pipeline.Postprocess(_recordedOutputs);

    /// <summary>All four stages for the next batch of frames: what a camera loop does per batch.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd)]
    public int EndToEnd() => Pipeline.ProcessBatch(NextFrames());

    /// <summary>
    /// MLPerf's single-stream scenario for the whole pipeline: batch 1, each frame as soon as the previous one is done,
    /// every frame's stage times recorded; per-frame latency percentiles and LoadGen's early-stopping estimates.
    /// </summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, ScenarioNames.SingleStream)]
    [Scenario(Scenario.SingleStream)]
    public int SingleStream() => RunScenario(Scenario.SingleStream, nameof(SingleStream));

    /// <summary>
    /// A camera at --camera-fps delivers frames into a one-slot buffer where the newest frame wins (V4L2, GStreamer
    /// appsink drop=true); latency is capture to results, including the wait for the pipeline and, at batch N, for the
    /// batch's frames. Delivered FPS, dropped frames and deadline misses (latency over one frame period).
    /// </summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, ScenarioNames.Camera)]
    [Scenario(Scenario.Camera)]
    public int Camera() => RunScenario(Scenario.Camera, nameof(Camera));

    /// <summary>Batches back to back at the batch size: throughput, with every frame recorded (batch 2 and up).</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd, ScenarioNames.Offline)]
    [Scenario(Scenario.Offline)]
    public int Offline() => RunScenario(Scenario.Offline, nameof(Offline));

    /// <summary>
    /// Cold start: reading the model file (dropped from the page cache first) in a fresh process, median and max over
    /// --cold-starts launches. The five cold-start methods share one set of launches per configuration
    /// (<see cref="RunColdStart"/>); each is its own row, so --filter, the end screen and diff treat them as any case.
    /// </summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.ModelLoad)]
    public double ColdStartModelLoad() => RunColdStart(ColdStart.ModelLoad);

    /// <summary>Cold start: creating the pipeline (engine session: provider start, graph optimisation, weights; its tensors).</summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.Session)]
    public double ColdStartSession() => RunColdStart(ColdStart.Session);

    /// <summary>Cold start: the first inference of the fresh session, on frame 1.</summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.FirstInference)]
    public double ColdStartFirstInference() => RunColdStart(ColdStart.FirstInference);

    /// <summary>Cold start: frame 1's to-tensor + preprocess + first inference + postprocess, up to its detections.</summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.FirstFrame)]
    public double ColdStartFirstFrame() => RunColdStart(ColdStart.FirstFrame);

    /// <summary>Cold start end to end: from starting the process (runtime, JIT, libraries) to frame 1's detections.</summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.Launch)]
    public double ColdStartLaunch() => RunColdStart(ColdStart.Launch);

    /// <summary>Cold start on TensorRT: launch 1's session, which builds the engine into an empty cache folder.</summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.SessionEmptyCache)]
    [RunsOn(BackendTraits.EngineCache)]
    public double ColdStartSessionEmptyCache() => RunColdStart(ColdStart.SessionEmptyCache);

    /// <summary>Cold start on TensorRT: launch 1 end to end, the engine built from an empty cache (a board's first boot).</summary>
    [Benchmark]
    [Stage(Categories.ColdStart, ColdStart.LaunchEmptyCache)]
    [RunsOn(BackendTraits.EngineCache)]
    public double ColdStartLaunchEmptyCache() => RunColdStart(ColdStart.LaunchEmptyCache);

    private ReadOnlySpan<FrameBuffer> NextFrames() => Ring.Next(Batch);

    /// <summary>
    /// The configuration's cold-start launches, run by the first of its cold-start cases and recorded under the setup
    /// key they all share (<see cref="ColdStartRecords"/>); a later case, or BenchmarkDotNet's extra call of the same
    /// case, reads the record. Returns the row's median so the method has a result.
    /// </summary>
    private double RunColdStart(string stage)
    {
        string key = SetupKey();
        string? runDirectory = Environment.GetEnvironmentVariable(RunSettings.RunDirectoryVariable);
        _coldStart ??= ColdStartRecords.For(key, runDirectory);
        if (_coldStart is null)
        {
            // A configuration whose launches failed fails each of its cold-start cases with that reason, once.
            if (s_coldStartFailures.TryGetValue(key, out string? failure))
            {
                throw new InvalidOperationException(failure);
            }

            RunSettings settings = RunSettings.FromEnvironment();
            Console.WriteLine($"// cold start: {settings.ColdStarts} fresh processes for {Model} {Precision} {Backend} batch {Batch}");
            try
            {
                _coldStart = ColdStart.Run(Model, Precision, Backend, Batch, settings.EffectiveThreads, settings.ColdStarts);
            }
            catch (Exception e) when (e is InvalidOperationException or CaseSkippedException)
            {
                // A Ctrl+C reaches the children too: the launches stopped because the run did, not because they failed.
                Exception outcome = RunInterruption.Requested ? new CaseSkippedException(RunInterruption.SkipReason) : e;
                s_coldStartFailures[key] = outcome.Message;
                CaseOutcomes.RecordFailure(key, outcome);
                throw;
            }

            ColdStartRecords.Record(key, _coldStart);
        }

        return _coldStart.Stages[stage].MedianMs;
    }

    /// <summary>
    /// Runs the scenario once per setup and records it (<see cref="ScenarioRecords"/>: the row's per-frame columns and
    /// <c>frames/&lt;case&gt;.csv</c>). BenchmarkDotNet may call the method again (the memory diagnoser's extra run,
    /// or a --job with several invocations): the frames are measured by then, so a further call is one loop body,
    /// which is what the memory diagnoser should see.
    /// </summary>
    private int RunScenario(Scenario scenario, string method)
    {
        VisionPipelineProcessor processor = Ready(_frameProcessor);
        if (_scenarioMeasured)
        {
            processor.Process(new FrameBatch(trace: null, StopwatchClock.Instance, _extraCallFrameNumbers));
            return processor.LastResultCount;
        }

        _scenarioMeasured = true;
        ScenarioPlan plan = ScenarioPlan.For(scenario, Batch, RunSettings.FromEnvironment());
        var trace = new FrameTrace(plan.TraceCapacity, StopwatchClock.Instance.Frequency, processor.ExtraMarkNames);
        Console.WriteLine(ScenarioPlan.DescribeStart(plan));
        ScenarioResult result = new ScenarioRunner(StopwatchClock.Instance).Run(processor, trace, plan.Options);
        ScenarioRecord record = ScenarioRecords.Save(MethodKey(method), CaseFileName(method), result, trace);
        Console.WriteLine(ScenarioPlan.Describe(record));
        return result.ProcessedFrames;
    }

    private static UltralyticsPostprocessorReference? NaiveUltralytics(ModelDescriptor model) => model.Postprocess switch
    {
        PostprocessKind.YoloV8 => UltralyticsPostprocessorReference.YoloV8(model.Outputs[0].Shape, model.InputWidth, model.InputHeight, DecodeOptions.For(model)),
        PostprocessKind.YoloV5 => UltralyticsPostprocessorReference.YoloV5(model.Outputs[0].Shape, model.InputWidth, model.InputHeight, DecodeOptions.For(model)),
        _ => null,
    };

    /// <summary>Each image's [rows, anchors] block of <paramref name="values"/> becomes [anchors, rows], in place.</summary>
    private static void AnchorsLast(float[] values, int batch, int rows, int anchors)
    {
        float[] image = new float[rows * anchors];
        for (int n = 0; n < batch; n++)
        {
            Span<float> block = values.AsSpan(n * rows * anchors, rows * anchors);
            block.CopyTo(image);
            SsdPostprocessor.Transpose(image, rows, anchors, block);
        }
    }

    private static float[] AsFloat(HostTensor tensor) =>
        tensor.ElementType == Core.Precision.Fp32 ? tensor.AsFloat().ToArray() : Array.ConvertAll(tensor.AsHalf().ToArray(), h => (float)h);

    /// <summary>Recorded-style outputs in the backend's output shapes and element type (see the class remarks).</summary>
    private HostTensor[] RecordedOutputs(IInferenceBackend backend)
    {
        HostTensor[] outputs = backend.Outputs.Select(o => new HostTensor(o.Name, o.ElementType, [.. o.Shape])).ToArray();
        float[][] values = outputs.Select(o => new float[o.ElementCount]).ToArray();
        switch (backend.Model.Postprocess)
        {
            case PostprocessKind.Ssd:
                // A small SSD described by its own anchors may have fewer boxes than SSD300's 600 candidates.
                SsdDefaultBoxes ssdBoxes = SsdDefaultBoxes.For(backend.Model.SsdAnchors);
                DecodeOptions ssdOptions = DecodeOptions.For(backend.Model);
                SyntheticDetectionOutputs.FillSsd(values[0], values[1], Batch, Math.Min(SsdCandidatesPerFrame, ssdBoxes.Count), ObjectsPerFrame, OutputSeed,
                    ssdOptions, ssdBoxes);
                if (ssdOptions.SsdAnchorsLast)
                {
                    // The synthetic outputs are written class-major ([4, A], [C, A]); an anchors-last head reads [A, 4], [A, C].
                    AnchorsLast(values[0], Batch, 4, ssdBoxes.Count);
                    AnchorsLast(values[1], Batch, ssdOptions.SsdClassCount, ssdBoxes.Count);
                }
                break;
            case PostprocessKind.YoloV3Tiny:
                SyntheticDetectionOutputs.FillYoloV3Tiny(values[0], values[1], Batch, YoloCandidatesPerFrame, ObjectsPerFrame, OutputSeed);
                break;
            case PostprocessKind.Classification:
                SyntheticDetectionOutputs.FillClassification(values[0], Batch, OutputSeed);
                break;
            case PostprocessKind.YoloV8:
                SyntheticDetectionOutputs.FillYoloV8(values[0], outputs[0].Shape, backend.Model.InputWidth, backend.Model.InputHeight, Batch,
                    UltralyticsCandidatesPerFrame, ObjectsPerFrame, OutputSeed, DecodeOptions.For(backend.Model).UltralyticsClassCount);
                break;
            case PostprocessKind.YoloV5:
                SyntheticDetectionOutputs.FillYoloV5(values[0], outputs[0].Shape, backend.Model.InputWidth, backend.Model.InputHeight, Batch,
                    UltralyticsCandidatesPerFrame, ObjectsPerFrame, OutputSeed, DecodeOptions.For(backend.Model).UltralyticsClassCount);
                break;
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i].ElementType == Core.Precision.Fp16)
            {
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values[i], outputs[i].AsHalf());
            }
            else
            {
                values[i].CopyTo(outputs[i].AsFloat());
            }
        }

        return outputs;
    }
}

/// <summary>SSD300 (NVIDIA v1.1): every stage and the end-to-end loop.</summary>
[BenchmarkCategory(Categories.Ssd)]
public class SsdBenchmarks : PipelineBenchmarks
{
    public override IEnumerable<string> ModelValues => [ModelCatalog.Ssd300];
}

/// <summary>YOLOv3-tiny and YOLOv8n (anchor-free head): every stage and the end-to-end loop.</summary>
[BenchmarkCategory(Categories.Yolo)]
public class YoloBenchmarks : PipelineBenchmarks
{
    public override IEnumerable<string> ModelValues => [ModelCatalog.TinyYoloV3, ModelCatalog.YoloV8nId];
}

/// <summary>MobileNetV2: every stage and the end-to-end loop.</summary>
[BenchmarkCategory(Categories.MobileNet)]
public class MobileNetBenchmarks : PipelineBenchmarks
{
    public override IEnumerable<string> ModelValues => [ModelCatalog.MobileNetV2Id];
}

/// <summary>
/// The user's own models: every <c>models/&lt;id&gt;.onnx</c> whose sidecar <c>&lt;id&gt;.json</c> describes it, under an id
/// the catalog does not have (a user file under a catalog id replaces that model in its family's class instead). Each
/// runs every stage and scenario its head allows, like a catalog model; <c>--model ID</c> picks them,
/// <c>--filter '*UserModel*'</c> selects the class.
/// </summary>
[BenchmarkCategory(Categories.UserModel)]
public class UserModelBenchmarks : PipelineBenchmarks
{
    public override IEnumerable<string> ModelValues =>
        new ModelStore(ModelStore.DefaultDirectory()).ModelIds().Where(id => !ModelCatalog.TryGet(id, out _));
}

/// <summary>ResNet-18, ResNet-50 and the trained ResNet-18 feature extractor (no postprocess stage).</summary>
[BenchmarkCategory(Categories.ResNet)]
public class ResNetBenchmarks : PipelineBenchmarks
{
    public override IEnumerable<string> ModelValues => [ModelCatalog.ResNet18, ModelCatalog.ResNet50, ModelCatalog.ResNet18Pretrained];
}
