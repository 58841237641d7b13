using System.Globalization;
using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Core;
using EdgeBench.Core.Detection;
using EdgeBench.Core.Imaging;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Fused;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Postprocessing;
using EdgeBench.Preprocessing;

namespace EdgeBench.Benchmarks.Pipeline;

/// <summary>
/// One level of the SSD300 optimization ladder: its number, and the batch and precision it implies. The benchmark
/// parameter's value (shown as the number, so ids read <c>Level: 2</c>, and sorted by it); <see cref="CaseIdentity"/> reads the implied
/// model, batch and precision from it for edgebench.csv.
/// </summary>
public sealed class LadderLevel : IImpliedCaseParameters
{
    private LadderLevel(int number, string name, int batch, Precision precision)
    {
        Number = number;
        Name = name;
        Batch = batch;
        ModelPrecision = precision;
    }

    /// <summary>The five levels, in the study's order.</summary>
    public static IReadOnlyList<LadderLevel> All { get; } =
    [
        new(0, "baseline", 1, Core.Precision.Fp32),
        new(1, "bulk-copy", 1, Core.Precision.Fp32),
        new(2, "on-device", 1, Core.Precision.Fp32),
        new(3, "batched", 8, Core.Precision.Fp32),
        new(4, "fp16", 8, Core.Precision.Fp16),
    ];

    /// <summary>0 .. 4.</summary>
    public int Number { get; }

    /// <summary>Short name: baseline, bulk-copy, on-device, batched, fp16.</summary>
    public string Name { get; }

    /// <summary>Frames per call.</summary>
    public int Batch { get; }

    /// <summary>Precision of the SSD300 model.</summary>
    public Precision ModelPrecision { get; }

    /// <summary>Whether preprocessing, decoding and NMS run inside the model graph (levels 2-4).</summary>
    public bool Fused => Number >= 2;

    string IImpliedCaseParameters.Model => ModelCatalog.Ssd300;

    string IImpliedCaseParameters.Precision => ModelPrecision.ToName();

    /// <summary>The stage column: <c>ladder-0-baseline</c> ... <c>ladder-4-fp16</c>.</summary>
    public string StageName => string.Create(CultureInfo.InvariantCulture, $"ladder-{Number}-{Name}");

    public override string ToString() => Number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The SSD300 optimization ladder of the study EdgeBench reproduces (PyTorch on a Jetson Nano: 1.09, 1.53, 2.27,
/// 2.57, 1.20 FPS), as one end-to-end benchmark over <see cref="Level"/> x <see cref="Backend"/>, on the same camera
/// frames as <see cref="PipelineBenchmarks"/> (the synthetic 640x480 BGR24 video or --frames):
/// <list type="number">
/// <item>(0) baseline: vectorized preprocess, ONNX Runtime's allocating <c>Run</c>, outputs read element by element
/// through the tensor indexer into the naive postprocess (<see cref="OrtElementwiseRunner"/> explains the choice).</item>
/// <item>(1) one bulk copy of the outputs, vectorized postprocess: <see cref="VisionPipeline.ProcessBatch"/>, as the
/// SsdBenchmarks end-to-end case.</item>
/// <item>(2) pre- and postprocessing on the accelerator: the fused graph (<see cref="FusedSsdModels"/>) takes the
/// frames as uint8 and returns 200 detections per image; the host copies frames in and reads the small outputs.</item>
/// <item>(3) level 2 with 8 frames per call.</item>
/// <item>(4) level 3 with the fp16 model (fp32 I/O, decode and NMS).</item>
/// </list>
/// Time, FPS and frame time are per call / per frame as elsewhere (the Batch of edgebench.csv is the level's).
/// </summary>
[BenchmarkCategory(Categories.Ssd)]
[RunsOn(BackendTraits.OnnxRuntime)] // its levels are ONNX Runtime APIs and an ONNX graph
public class SsdLadderBenchmarks : EdgeBenchmark
{
    // Level 0.
    private OrtElementwiseRunner? _elementwise;
    private FrameTensor? _frames;
    private Preprocessor? _preprocessor;
    private SsdPostprocessorReference? _naive;

    // Level 1.
    private VisionPipeline? _pipeline;

    // Levels 2-4: the detections list keeps its capacity, so reading the 200 slots per frame allocates nothing.
    private readonly List<Detection> _detections = new(capacity: 8 * 200);
    private OrtFusedSsdRunner? _fused;

    /// <summary>The ladder level (0..4); it implies the batch and the precision.</summary>
    [ParamsSource(nameof(LevelValues))]
    public LadderLevel Level { get; set; } = LadderLevel.All[0];

    /// <summary>Engine and execution provider, e.g. ort-cpu.</summary>
    [ParamsSource(nameof(BackendValues))]
    public string Backend { get; set; } = BackendNames.OrtCpu;

    /// <summary>Frames per call at this level (1, 1, 1, 8, 8).</summary>
    public int Batch => Level.Batch;

    /// <summary>Model precision at this level (fp32 x4, then fp16).</summary>
    public string Precision => Level.ModelPrecision.ToName();

    /// <summary>Every level; none when --model leaves SSD300 out (the ladder is SSD300's).</summary>
    public static IEnumerable<LadderLevel> LevelValues =>
        RunSettings.FromEnvironment().SelectModels([ModelCatalog.Ssd300]).Any() ? LadderLevel.All : [];

    public static IEnumerable<string> BackendValues => RunSettings.FromEnvironment().Backends;

    /// <summary>
    /// The ladder is the reference study's GPU experiment: the default backend list (CPU engines) skips it, naming the
    /// backends runs it, on a CPU too.
    /// </summary>
    public const string NotInDefaultRunReason =
        "not in the default run: the optimization ladder is the reference study's GPU experiment; on a CPU its levels are within a few percent " +
        "of each other (docs/ssd-ladder.md) and its batch-8 levels take a minute of a 2-core machine; name the backends to run it: " +
        "--backend ort-cpu (or ort-cuda,ort-cuda-bound,ort-cuda-graph)";

    /// <summary>Builds (or reuses) the model files, sessions and buffers of this level: nothing here is timed.</summary>
    [GlobalSetup]
    public void Setup() => RunSetup(SetupCore);

    private void SetupCore()
    {
        CaseContext context = Prepare(Backend, Batch, Precision);
        if (!context.Settings.BackendsExplicit)
        {
            throw new CaseSkippedException(NotInDefaultRunReason);
        }

        bool bound = BackendNames.IsDeviceBound(Backend);
        if (Level.Number == 0 && bound)
        {
            throw new CaseSkippedException("level 0 is ONNX Runtime's allocating Run API, which has no device-bound I/O: its row is the host-copy backend's");
        }

        ModelStore store = context.Store;
        RequireSsd300Anchors(RequireBatch(store.Resolve(ModelCatalog.Ssd300, Level.ModelPrecision), Batch));
        int width = Ring.Frames[0].Width, height = Ring.Frames[0].Height;
        OrtBackendOptions options = BackendNames.Options(Backend, context.Settings.Threads);
        switch (Level.Number)
        {
            case 0:
                ResolvedModel model = store.Resolve(ModelCatalog.Ssd300, Level.ModelPrecision);
                _elementwise = new OrtElementwiseRunner(model, Batch, options);
                _frames = new FrameTensor(width, height, Batch);
                _preprocessor = new Preprocessor(model.Descriptor, width, height);
                _naive = new SsdPostprocessorReference();
                break;
            case 1:
                ResolvedModel resolved = store.Resolve(ModelCatalog.Ssd300, Level.ModelPrecision);
                _pipeline = new VisionPipeline(BackendNames.Create(Backend, resolved, Batch, context.Settings.Threads), width, height);
                break;
            default:
                // NMS unrolled (with its exact Loop companion for frames that need more steps): the graph then
                // has no Loop, so ort-cuda-graph can capture it whole.
                FusedSsdSpec spec = FusedSsdReferenceSpec.For(ModelCatalog.Get(ModelCatalog.Ssd300), width, height) with { NmsSteps = FusedSsdSpec.DefaultNmsSteps };
                FusedSsdModel fused = FusedSsdModels.Resolve(store, ModelCatalog.Ssd300, Level.ModelPrecision, spec);
                _fused = new OrtFusedSsdRunner(fused, Batch, options, bound);
                break;
        }
    }

    private protected override void ReleaseResources()
    {
        _elementwise?.Dispose();
        _elementwise = null;
        _pipeline?.Dispose();
        _pipeline = null;
        if (_fused is { Runs: > 0 })
        {
            // In the run's log: how often the unrolled NMS needed its exact companion (each such call ran twice).
            Console.WriteLine($"// SSD ladder level {Level.Number} on {Backend}: {_fused.ExactReruns} of {_fused.Runs} calls reran with exact (looped) NMS; {_detections.Count} detections in the last call");
        }

        _fused?.Dispose();
        _fused = null;
    }

    /// <summary>The level's whole loop body for the next batch of frames; returns the detection count.</summary>
    [Benchmark]
    [Stage(Categories.EndToEnd)] // the row is the level's (LadderLevel.StageName)
    public int EndToEnd()
    {
        ReadOnlySpan<FrameBuffer> frames = NextFrames();
        if (_pipeline is not null)
        {
            return _pipeline.ProcessBatch(frames);
        }

        if (_fused is not null)
        {
            _fused.LoadFrames(frames);
            _fused.Run();
            return _fused.ReadDetections(_detections);
        }

        return Baseline(frames);
    }

    private int Baseline(ReadOnlySpan<FrameBuffer> frames)
    {
        OrtElementwiseRunner runner = Ready(_elementwise);
        for (int i = 0; i < frames.Length; i++)
        {
            _frames!.Load(frames[i], i);
            _preprocessor!.Run(_frames.Frame(i), runner.Input.AsFloat(), i);
        }

        float[][] outputs = runner.RunReadingElementwise();
        return _naive!.Process(outputs[0], outputs[1], Batch).Count;
    }

    private ReadOnlySpan<FrameBuffer> NextFrames() => Ring.Next(Batch);
}
