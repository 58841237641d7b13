using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Base of every EdgeBench benchmark class: the one setup path. A class declares its parameters, its
/// <c>[GlobalSetup]</c> methods (each calling <see cref="RunSetup"/>), <see cref="ReleaseResources"/> and its
/// benchmark methods, each with a <see cref="StageAttribute"/> (and <see cref="RunsOnAttribute"/> where the case exists
/// on some backends only). Everything else is here or derived from those declarations:
/// <list type="bullet">
/// <item>the outcome key of a setup (why a case failed or was skipped, for edgebench.csv) comes from the instance's own
/// parameter values, the same way <see cref="CaseIdentity.SetupKey"/> derives it from BenchmarkDotNet's case, so the
/// two cannot drift apart;</item>
/// <item>the common guard (<see cref="Prepare"/>): precision, backend availability, settings, camera frames, model
/// store;</item>
/// <item>cleanup on a failed setup, <c>[GlobalCleanup]</c> and <see cref="IDisposable"/>.</item>
/// </list>
/// Adding a family or a scenario is one file.
/// </summary>
public abstract class EdgeBenchmark : IDisposable
{
    /// <summary>The camera frames of this case (after <see cref="Prepare"/>).</summary>
    private protected FrameRing Ring { get; private set; } = FrameRing.Empty;

    /// <summary>
    /// The benchmark class as the user wrote it: BenchmarkDotNet's in-process toolchain runs a type it emits deriving
    /// from it, and that type's name must not leak into keys.
    /// </summary>
    private protected Type BenchmarkType => DeclaredType(GetType());

    /// <summary>Releases everything setup created; called on a failed setup, by <c>[GlobalCleanup]</c> and by Dispose.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        EndedNormally = !_setupFailed;
        ReleaseResources();
    }

    /// <summary>
    /// Whether resources are being released after a case that set up and ran (BenchmarkDotNet's cleanup), rather than
    /// after a failed setup: only then may they be handed on to the next case.
    /// </summary>
    private protected bool EndedNormally { get; private set; }

    private bool _setupFailed;

    /// <summary>Disposes the native objects if a run did not call <see cref="Cleanup"/>.</summary>
    public void Dispose()
    {
        // Not BenchmarkDotNet's cleanup: what is still held is disposed, never handed on.
        EndedNormally = false;
        ReleaseResources();
        GC.SuppressFinalize(this);
    }

    /// <summary>The (outcome) key of this case's setup: class, every parameter value, and the setup's target method.</summary>
    internal string SetupKey(string? setupTarget = null) => CaseOutcomes.Key(BenchmarkType.Name, ParameterValues(), setupTarget);

    /// <summary>The key of one method's case (class, parameters, method): what a scenario records its frames under.</summary>
    internal string MethodKey(string method) => CaseOutcomes.Key(BenchmarkType.Name, ParameterValues(), method);

    /// <summary>A file name for one method's case, e.g. for its frame trace.</summary>
    internal string CaseFileName(string method) => ScenarioRecords.CaseFileName(BenchmarkType.Name, method, ParameterValues());

    /// <summary>
    /// The class as declared, for a type BenchmarkDotNet derived from it: the in-process toolchain emits one into a
    /// dynamic assembly, the out-of-process one (e.g. under <c>--job dry</c>) compiles <c>Runnable_N</c> into a generated
    /// project's assembly. Either way the declared class is the first base type in this assembly.
    /// </summary>
    internal static Type DeclaredType(Type type)
    {
        while (type.Assembly != typeof(EdgeBenchmark).Assembly && type.BaseType is not null)
        {
            type = type.BaseType;
        }

        return type;
    }

    /// <summary>Whether the class's setups are per method (<c>[GlobalSetup(Target = ...)]</c>), so outcomes are too.</summary>
    internal static bool HasPerMethodSetup(Type type) =>
        DeclaredType(type).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(m => m.GetCustomAttributes<GlobalSetupAttribute>(inherit: true))
            .Any(a => a.Targets is { Length: > 0 });

    /// <summary>
    /// Runs a <c>[GlobalSetup]</c> body. If it throws, the reason is recorded under this case's key (BenchmarkDotNet
    /// keeps only "failed"; <see cref="CaseOutcomes"/> tells a skip from a failure), what was created is released, and
    /// the exception goes on to BenchmarkDotNet.
    /// </summary>
    /// <param name="setup">The class's own setup.</param>
    /// <param name="setupTarget">The benchmark method a targeted setup is for; null for a class-wide setup.</param>
    private protected void RunSetup(Action setup, string? setupTarget = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            setup();
            // Into the run's log (Console.Out is redirected there): where a run's time outside the iterations goes.
            Console.WriteLine($"// EdgeBench setup: {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
            CaseMemory.SetupDone();
        }
        catch (Exception e)
        {
            CaseOutcomes.RecordFailure(SetupKey(setupTarget), e);
            _setupFailed = true;
            EndedNormally = false;
            ReleaseResources();
            throw;
        }
    }

    /// <summary>
    /// The guard every case passes before it builds anything: the run was not interrupted (<see cref="RunInterruption"/>),
    /// the precision is one EdgeBench knows, the backend runs on
    /// this machine (else the case is skipped with the reason), and the run's settings, camera frames
    /// (<see cref="Ring"/>: at least 8, and two batches) and model store are ready.
    /// </summary>
    private protected CaseContext Prepare(string backend, int batch, string precision)
    {
        if (!PrecisionNames.TryParse(precision, out Precision parsed))
        {
            throw new ArgumentException($"Precision '{precision}' is not fp32, fp16 or int8.");
        }

        if (RunInterruption.Requested)
        {
            throw new CaseSkippedException(RunInterruption.SkipReason);
        }

        BackendNames.ThrowIfCannotRun(backend, parsed);

        RunSettings settings = RunSettings.FromEnvironment();
        Ring = new FrameRing(CameraFrames.Load(settings.Frames, CameraFrames.RingSize(batch)));
        return new CaseContext(parsed, settings, Int8Calibration.Store(settings));
    }

    /// <summary>
    /// <see cref="Prepare"/>, then the guard of the GPU-resident loops (SSD300's and the classifiers'): their kernels
    /// share a CUDA stream with the session, and only the CUDA provider is given one.
    /// </summary>
    private protected CaseContext PrepareOnCudaStream(string backend, int batch, string precision)
    {
        CaseContext context = Prepare(backend, batch, precision);
        return BackendNames.ProviderOf(backend) == OrtExecutionProvider.Cuda
            ? context
            : throw new CaseSkippedException("pre/post on the GPU runs with the CUDA provider on device-bound buffers (ort-cuda-bound, ort-cuda-graph)");
    }

    /// <summary>
    /// Skips the case when <paramref name="model"/>'s file fixes another batch size. A user's export often fixes batch 1
    /// (Ultralytics' default): the run's other batch sizes are not failures of that model, they do not exist for it.
    /// </summary>
    private protected static ResolvedModel RequireBatch(ResolvedModel model, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Descriptor.HasDynamicBatch || model.Descriptor.Input.Shape[0] == batch
            ? model
            : throw new CaseSkippedException($"{model.Path} fixes the batch at {model.Descriptor.Input.Shape[0]} (input {model.Descriptor.Input.ShapeText}); batch {batch} cannot run");
    }

    /// <summary>
    /// Skips the case when <paramref name="model"/> describes other default boxes than SSD300's (sidecar
    /// <c>ssd_anchors</c>): the fused graph, the CUDA kernels and the ladder are built for SSD300's 8732 boxes.
    /// </summary>
    private protected static ResolvedModel RequireSsd300Anchors(ResolvedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Descriptor.SsdAnchors is null
            ? model
            : throw new CaseSkippedException($"{model.Path}: its sidecar describes its own SSD anchors (ssd_anchors); this path is built for SSD300's 8732 default boxes");
    }

    /// <summary>What setup built, or a clear error when a benchmark method runs without it.</summary>
    private protected static T Ready<T>(T? value)
        where T : class => value ?? throw new InvalidOperationException("GlobalSetup did not run (or failed) for this case.");

    /// <summary>Disposes what setup created and forgets it; safe to call more than once and after a partial setup.</summary>
    private protected abstract void ReleaseResources();

    /// <summary>
    /// For benchmark classes that are not <see cref="EdgeBenchmark"/>s (the micro-benchmarks of the harness and the
    /// kernels): after an interrupt their setup records a skip under the case's key and stops, as
    /// <see cref="Prepare"/> does for every pipeline case.
    /// </summary>
    internal static void SkipIfInterrupted(object benchmark)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        if (RunInterruption.Requested)
        {
            Type declared = DeclaredType(benchmark.GetType());
            var skip = new CaseSkippedException(RunInterruption.SkipReason);
            CaseOutcomes.RecordFailure(CaseOutcomes.Key(declared.Name, ParameterValuesOf(benchmark, declared), null), skip);
            throw skip;
        }
    }

    /// <summary>The instance's BenchmarkDotNet parameter values, as BenchmarkDotNet formats them in case names.</summary>
    private IEnumerable<(string Name, string Value)> ParameterValues() => ParameterValuesOf(this, BenchmarkType);

    private static IEnumerable<(string Name, string Value)> ParameterValuesOf(object instance, Type declared) =>
        declared.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.IsDefined(typeof(ParamsAttribute), inherit: true)
                || p.IsDefined(typeof(ParamsSourceAttribute), inherit: true)
                || p.IsDefined(typeof(ParamsAllValuesAttribute), inherit: true))
            .Select(p => (p.Name, Convert.ToString(p.GetValue(instance), CultureInfo.InvariantCulture) ?? string.Empty));
}

/// <summary>What <see cref="EdgeBenchmark.Prepare"/> hands a case's setup.</summary>
/// <param name="Precision">The case's model precision.</param>
/// <param name="Settings">The run's settings (threads, footage, backends chosen).</param>
/// <param name="Store">The model files: generated, pretrained or the user's.</param>
internal sealed record CaseContext(Precision Precision, RunSettings Settings, ModelStore Store);
