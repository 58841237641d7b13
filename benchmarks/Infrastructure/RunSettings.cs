using EdgeBench.Benchmarks.Cli;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Benchmarks.Telemetry;
using EdgeBench.Core;
using EdgeBench.Footage;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// EdgeBench's own run options. Each is declared once in <see cref="Options"/>; <see cref="Parse"/> takes them out of
/// the command line and leaves the rest to BenchmarkDotNet. They travel to the benchmark parameters through
/// environment variables (<see cref="Export"/>, <see cref="FromEnvironment"/>), because BenchmarkDotNet evaluates
/// [ParamsSource] in the host and, with an out-of-process toolchain, runs cases in child processes that inherit the
/// environment.
/// </summary>
internal sealed record RunSettings
{
    public const string BatchesVariable = "EDGEBENCH_BATCHES";
    public const string PrecisionsVariable = "EDGEBENCH_PRECISIONS";
    public const string BackendsVariable = "EDGEBENCH_BACKENDS";
    public const string ThreadsVariable = "EDGEBENCH_THREADS";
    public const string DeviceIdVariable = "EDGEBENCH_DEVICE_ID";
    public const string ResultsRootVariable = "EDGEBENCH_RESULTS";
    public const string FramesVariable = "EDGEBENCH_FRAMES";
    public const string TelemetryVariable = "EDGEBENCH_TELEMETRY";
    public const string TelemetryIntervalVariable = "EDGEBENCH_TELEMETRY_INTERVAL";
    public const string CameraFpsVariable = "EDGEBENCH_CAMERA_FPS";
    public const string MinDurationVariable = "EDGEBENCH_MIN_DURATION";
    public const string SustainedVariable = "EDGEBENCH_SUSTAINED";
    public const string ModelIdsVariable = "EDGEBENCH_MODEL_IDS";
    public const string PowerCommandVariable = "EDGEBENCH_POWER_COMMAND";
    public const string ColdStartsVariable = "EDGEBENCH_COLD_STARTS";
    public const string CudaOptionsVariable = "EDGEBENCH_CUDA_OPTIONS";

    /// <summary>The run folder the host made; set by the program, not an option.</summary>
    public const string RunDirectoryVariable = "EDGEBENCH_RUN_DIR";

    /// <summary>
    /// Every EdgeBench option, one declaration each; the default is the property's initial value. To add an option,
    /// add its property below and one entry here, e.g. for <c>--camera-fps N</c>:
    /// <code>
    /// new SettingOption&lt;int&gt;
    /// {
    ///     Name = "--camera-fps", Variable = "EDGEBENCH_CAMERA_FPS", ValueName = "N",
    ///     Help = "frame rate of the simulated camera",
    ///     Parse = OptionValues.WholeNumber(1, 1000, "a frame rate"),
    ///     Get = s =&gt; s.CameraFps, Set = (s, v) =&gt; s with { CameraFps = v }, Format = OptionValues.Invariant,
    /// },
    /// </code>
    /// A list (<c>--model ID[,ID]</c>) wraps its item parser in <see cref="OptionValues.ListOf{TItem}"/>; another kind
    /// of value (a duration such as <c>10m</c>) needs one parser in <see cref="OptionValues"/>. The help line, the
    /// variable, the flag overriding it, the export to the cases and the error messages follow, and the option tests
    /// (tests/EdgeBench.IntegrationTests/Benchmarks/CommandLineTests.cs) ask for one row for it.
    /// </summary>
    public static IReadOnlyList<SettingOption> Options { get; } =
    [
        new SettingOption<IReadOnlyList<string>>
        {
            Name = "--model", Variable = ModelIdsVariable, ValueName = "LIST",
            Help = "model ids to run: catalog ids (see 'models list') or your own models/<id>.onnx described by models/<id>.json",
            DefaultText = "every catalog model and every described model in the models folder",
            Parse = OptionValues.ListOf(ParseModelId),
            Get = s => s.Models, Set = (s, v) => s with { Models = v }, Format = v => v.Count == 0 ? null : string.Join(',', v),
        },
        new SettingOption<IReadOnlyList<int>>
        {
            Name = "--batch", Variable = BatchesVariable, ValueName = "LIST",
            Help = "batch sizes, e.g. 1,4",
            Parse = OptionValues.ListOf(OptionValues.WholeNumber(1, 256, "a batch size")),
            Get = s => s.Batches, Set = (s, v) => s with { Batches = v, BatchesExplicit = true }, Format = OptionValues.Join,
            Published = s => s.BatchesExplicit ? OptionValues.Join(s.Batches) : null,
        },
        new SettingOption<IReadOnlyList<Precision>>
        {
            Name = "--precision", Variable = PrecisionsVariable, ValueName = "LIST",
            Help = "model precisions: fp32, fp16, int8 (QDQ, calibrated on the run's frames; ort-cpu only), or a list",
            Parse = OptionValues.ListOf(ParsePrecision),
            Get = s => s.Precisions, Set = (s, v) => s with { Precisions = v, PrecisionsExplicit = true }, Format = v => string.Join(',', v.Select(p => p.ToName())),
            Published = s => s.PrecisionsExplicit ? string.Join(',', s.Precisions.Select(p => p.ToName())) : null,
        },
        new SettingOption<IReadOnlyList<string>>
        {
            Name = "--backend", Variable = BackendsVariable, ValueName = "LIST",
            Help = $"engine + execution provider + I/O, one or more of {string.Join(", ", BackendNames.All)}; one this machine "
                + "cannot run is reported as skipped. TorchSharp fp16 cases run only when torchsharp-cpu is named here",
            Parse = OptionValues.ListOf(OptionValues.OneOf(BackendNames.All, "a backend")),
            Get = s => s.Backends, Set = (s, v) => s with { Backends = v, BackendsExplicit = true }, Format = v => string.Join(',', v),
            Published = s => s.BackendsExplicit ? string.Join(',', s.Backends) : null,
        },
        new SettingOption<int>
        {
            Name = "--threads", Variable = ThreadsVariable, ValueName = "N",
            Help = "intra-op threads of every inference engine, the same number for ONNX Runtime and libtorch",
            DefaultText = "one per logical core",
            Parse = OptionValues.WholeNumber(0, 1024, "a thread count", "0 = one per logical core"),
            Get = s => s.Threads, Set = (s, v) => s with { Threads = v }, Format = OptionValues.Invariant,
        },
        new SettingOption<string?>
        {
            Name = "--device-id", Variable = DeviceIdVariable, ValueName = "ID",
            Help = "folder name under the results root",
            DefaultText = "detected board, GPU or CPU model",
            Parse = OptionValues.Text,
            Get = s => s.DeviceId, Set = (s, v) => s with { DeviceId = v }, Format = v => v,
        },
        new SettingOption<string?>
        {
            Name = "--results", Variable = ResultsRootVariable, ValueName = "DIR",
            Help = "results root",
            DefaultText = "results/ of this checkout",
            Parse = OptionValues.Text,
            Get = s => s.ResultsRoot, Set = (s, v) => s with { ResultsRoot = v }, Format = v => v,
        },
        new SettingOption<string?>
        {
            Name = "--frames", Variable = FramesVariable, ValueName = "PATH",
            Help = "replay your own footage instead of the synthetic video: " + FootageReader.Accepted
                + "; its first max(8, 2 x batch) frames are decoded once, before the first case, and fed in a loop",
            DefaultText = "synthetic 640x480 video",
            Parse = OptionValues.ExistingPath(FootageReader.Accepted),
            Get = s => s.Frames, Set = (s, v) => s with { Frames = v }, Format = v => v,
        },
        new SettingOption<TelemetrySource>
        {
            Name = "--telemetry", Variable = TelemetryVariable, ValueName = "SOURCE",
            Help = "the sampler beside the measured iterations: auto, tegrastats, nvidia-smi, linux or none",
            Parse = TelemetrySources.Parse,
            Get = s => s.TelemetrySource, Set = (s, v) => s with { TelemetrySource = v }, Format = TelemetrySources.Name,
        },
        new SettingOption<double>
        {
            Name = "--camera-fps", Variable = CameraFpsVariable, ValueName = "FPS",
            Help = "frame rate of the camera scenario's simulated camera",
            Parse = OptionValues.Number(0.1, 1000, "a frame rate"),
            Get = s => s.CameraFps, Set = (s, v) => s with { CameraFps = v }, Format = OptionValues.Invariant,
        },
        new SettingOption<TimeSpan>
        {
            Name = "--min-duration", Variable = MinDurationVariable, ValueName = "TIME",
            Help = "each scenario case runs at least this long, and until p90 has its 64 frames (capped at 3x, at least 30 s: "
                + "a case stopped by the cap is invalid), e.g. 2s, 60s, 10m",
            Parse = OptionValues.Duration(TimeSpan.FromHours(24)),
            Get = s => s.MinDuration, Set = (s, v) => s with { MinDuration = v }, Format = OptionValues.FormatDuration,
        },
        new SettingOption<TimeSpan?>
        {
            Name = "--sustained", Variable = SustainedVariable, ValueName = "TIME",
            Help = "run only the camera scenario of the selected cases, each this long, and write a per-second timeline "
                + "(FPS, p99, drops, temperature, power) with a chart, e.g. 10m",
            DefaultText = "off",
            Parse = (text, origin) => OptionValues.Duration(TimeSpan.FromHours(24))(text, origin),
            Get = s => s.Sustained, Set = (s, v) => s with { Sustained = v }, Format = v => v is { } d ? OptionValues.FormatDuration(d) : null,
        },
        new SettingOption<int>
        {
            Name = "--telemetry-interval", Variable = TelemetryIntervalVariable, ValueName = "MS",
            Help = "telemetry sampling interval in milliseconds, 10..60000",
            Parse = TelemetrySources.ParseInterval,
            Get = s => s.TelemetryIntervalMs, Set = (s, v) => s with { TelemetryIntervalMs = v }, Format = OptionValues.Invariant,
        },
        new SettingOption<string?>
        {
            Name = "--power-command", Variable = PowerCommandVariable, ValueName = "CMD",
            Help = "a shell command run at the sampling interval that prints the board's watts on its first line (a USB "
                + "meter's or smart plug's reader); its watts replace the telemetry source's power, or are the only source "
                + "when there is none",
            DefaultText = "none",
            Parse = OptionValues.Text,
            Get = s => s.PowerCommand, Set = (s, v) => s with { PowerCommand = v }, Format = v => v,
        },
        new SettingOption<int>
        {
            Name = "--cold-starts", Variable = ColdStartsVariable, ValueName = "N",
            Help = "fresh processes each cold-start case launches (rows cold-start-*: median and max over them)",
            Parse = OptionValues.WholeNumber(1, 100, "a launch count"),
            Get = s => s.ColdStarts, Set = (s, v) => s with { ColdStarts = v }, Format = OptionValues.Invariant,
        },
        new SettingOption<IReadOnlyDictionary<string, string>>
        {
            Name = "--cuda-options", Variable = CudaOptionsVariable, ValueName = "K=V,..",
            Help = "ONNX Runtime CUDA provider options over EdgeBench's defaults, e.g. prefer_nhwc=1,use_tf32=0 (recorded "
                + "in environment.json as ort_cuda_options; also the GPU GEMM probe's)",
            DefaultText = "none",
            Parse = OrtProviders.ParseCudaOptions,
            Get = s => s.CudaOptions, Set = (s, v) => s with { CudaOptions = v }, Format = v => v.Count == 0 ? null : OrtProviders.FormatCudaOptions(v),
        },
    ];

    /// <summary>The models --model named; empty: every model of every family class.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    public IReadOnlyList<int> Batches { get; init; } = [1, 4];

    public IReadOnlyList<Precision> Precisions { get; init; } = [Precision.Fp32, Precision.Fp16, Precision.Int8];

    /// <summary>
    /// ONNX Runtime and TorchSharp on the CPU: the engine EdgeBench is built around and the one PyTorch users run,
    /// side by side in every family. Where libtorch does not exist (linux-arm64) the TorchSharp cases are skipped with
    /// that reason.
    /// </summary>
    public IReadOnlyList<string> Backends { get; init; } = [BackendNames.OrtCpu, BackendNames.TorchSharpCpu];

    /// <summary>
    /// Whether the user chose the backends (--backend or EDGEBENCH_BACKENDS). The default list leaves out what is
    /// known to be too slow for the suite's time budget (TorchSharp fp16 on a CPU); a list the user names runs it.
    /// </summary>
    public bool BackendsExplicit { get; init; }

    /// <summary>
    /// Whether the user chose the batch sizes (--batch or EDGEBENCH_BATCHES). The default list runs the scenarios at
    /// batch 1 only (their batch-4 camera and offline cases would add minutes to the default suite on 2 cores); a list
    /// the user names runs them at every batch it holds.
    /// </summary>
    public bool BatchesExplicit { get; init; }

    /// <summary>
    /// Whether the user chose the precisions (--precision or EDGEBENCH_PRECISIONS). The default list runs the scenarios
    /// in fp32 only (the fp16 ones would add about two minutes to the default suite on 2 cores; the stage rows and the
    /// precision report already compare fp16 with fp32); a list the user names runs them in every precision it holds.
    /// </summary>
    public bool PrecisionsExplicit { get; init; }

    /// <summary>The --threads value; 0 = not given (see <see cref="EffectiveThreads"/>).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Intra-op threads every engine gets: --threads, else one per logical core. Explicit for both engines so that
    /// ONNX Runtime (default: physical cores) and libtorch (default: its own OpenMP choice) are compared at the same count.
    /// </summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    public string? DeviceId { get; init; }

    public string? ResultsRoot { get; init; }

    /// <summary>Footage to use instead of the synthetic video (absolute): see <see cref="FootageReader.Accepted"/>.</summary>
    public string? Frames { get; init; }

    /// <summary>Which telemetry sampler runs beside the measured iterations.</summary>
    public TelemetrySource TelemetrySource { get; init; } = TelemetrySource.Auto;

    /// <summary>Frames per second of the camera scenario's simulated camera.</summary>
    public double CameraFps { get; init; } = 30;

    /// <summary>A scenario's minimum measured duration (it also runs until its percentile has enough frames).</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When set: only camera scenarios run, each for this long, with a per-second timeline.</summary>
    public TimeSpan? Sustained { get; init; }

    /// <summary>Telemetry sampling interval in milliseconds.</summary>
    public int TelemetryIntervalMs { get; init; } = TelemetrySources.DefaultIntervalMs;

    /// <summary>The board's power from a command of the user's (see <see cref="EdgeBench.Telemetry.PowerCommand.PowerCommandSampler"/>).</summary>
    public string? PowerCommand { get; init; }
    /// <summary>Fresh processes per cold-start case (<see cref="ColdStart"/>).</summary>
    public int ColdStarts { get; init; } = 3;

    /// <summary>The user's CUDA provider options (<see cref="OrtBackendOptions.CudaOptions"/>); empty: the defaults.</summary>
    public IReadOnlyDictionary<string, string> CudaOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Takes EdgeBench's options out of <paramref name="args"/> (over the environment's values); the rest is returned
    /// for BenchmarkDotNet in its order. Bad values raise <see cref="ArgumentException"/> naming the flag and what was
    /// expected.
    /// </summary>
    public static (RunSettings Settings, string[] Remaining) Parse(string[] args)
    {
        (System.CommandLine.ParseResult options, string[] remaining) = EdgeBenchCommandLine.ParseRunOptions(args);
        RunSettings settings = Options.Aggregate(FromEnvironment(), (current, option) => option.ReadCommandLine(current, options));
        return (settings, remaining);
    }

    /// <summary>The settings the environment carries (defaults where unset); used by [ParamsSource] members.</summary>
    public static RunSettings FromEnvironment() =>
        Options.Aggregate(new RunSettings(), (current, option) => option.ReadVariable(current));

    /// <summary>Publishes the settings to the environment for [ParamsSource] and child processes.</summary>
    public void Export()
    {
        foreach (SettingOption option in Options)
        {
            option.Export(this);
        }
    }

    /// <summary>A family class's models, narrowed to those --model names (in the class's order).</summary>
    public IEnumerable<string> SelectModels(IEnumerable<string> familyModels) =>
        Models.Count == 0 ? familyModels : familyModels.Where(Models.Contains);

    // Checked when the option is read, so a typo stops the run before its first case, naming what exists.
    private static string ParseModelId(string text, string origin)
    {
        if (ModelCatalog.TryGet(text, out _))
        {
            return text;
        }

        var store = new ModelStore(ModelStore.DefaultDirectory());
        return store.ModelIds().Contains(text)
            ? text
            : throw new ArgumentException(
                $"{origin}: '{text}' is not a model; expected a catalog id ({string.Join(", ", ModelCatalog.Ids)}) or an id with " +
                $"both {Path.Combine(store.Directory, text + ".onnx")} and {Path.Combine(store.Directory, text + ".json")}.");
    }

    private static Precision ParsePrecision(string text, string origin) =>
        PrecisionNames.TryParse(text, out Precision precision)
            ? precision
            : throw new ArgumentException($"{origin}: '{text}' is not a precision; expected fp32, fp16, int8 or a list (fp32,int8).");
}
