using System.Globalization;
using EdgeBench.Core;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// EdgeBench's own command-line options, taken out of the arguments before BenchmarkDotNet sees them. They travel
/// to the benchmark parameters through environment variables, because BenchmarkDotNet evaluates [ParamsSource] in
/// the host and, with an out-of-process toolchain, runs cases in child processes that inherit the environment.
/// </summary>
internal sealed record RunSettings
{
    public const string BatchesVariable = "EDGEBENCH_BATCHES";
    public const string PrecisionsVariable = "EDGEBENCH_PRECISIONS";
    public const string BackendsVariable = "EDGEBENCH_BACKENDS";
    public const string ThreadsVariable = "EDGEBENCH_THREADS";
    public const string RunDirectoryVariable = "EDGEBENCH_RUN_DIR";
    public const string DeviceIdVariable = "EDGEBENCH_DEVICE_ID";
    public const string ResultsRootVariable = "EDGEBENCH_RESULTS";
    public const string FramesVariable = "EDGEBENCH_FRAMES";

    public const string TelemetryVariable = "EDGEBENCH_TELEMETRY";
    public const string TelemetryIntervalVariable = "EDGEBENCH_TELEMETRY_INTERVAL";

    public const string Usage = """
        EdgeBench options (before or among BenchmarkDotNet's):
          --batch LIST        batch sizes, e.g. 1,4 (default 1,4; env EDGEBENCH_BATCHES)
          --precision LIST    fp32,fp16 (default both; env EDGEBENCH_PRECISIONS)
          --backend LIST      default ort-cpu,torchsharp-cpu (env EDGEBENCH_BACKENDS); unavailable ones are reported as
                              skipped. TorchSharp fp16 cases run only when torchsharp-cpu is named here explicitly
          --threads N         intra-op threads of every inference engine (default: one per logical core, the same
                              number for ONNX Runtime and libtorch)
          --device-id ID      folder name under results/ (default: detected board or CPU model)
          --results DIR       results root (default: results/ of this checkout)
          --frames PATH       replay your own footage (a .y4m file or a folder of .ppm frames) instead of the
                              synthetic 640x480 video (env EDGEBENCH_FRAMES)
          --telemetry SOURCE  auto|tegrastats|nvidia-smi|linux|none (default auto; env EDGEBENCH_TELEMETRY)
          --telemetry-interval MS  sampling interval in ms, 10..60000 (default 100; env EDGEBENCH_TELEMETRY_INTERVAL)
        """;

    public IReadOnlyList<int> Batches { get; init; } = [1, 4];

    public IReadOnlyList<Precision> Precisions { get; init; } = [Precision.Fp32, Precision.Fp16];

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

    /// <summary>The --threads value; 0 = not given (see <see cref="EffectiveThreads"/>).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Intra-op threads every engine gets: --threads, else one per logical core. Explicit for both engines so that
    /// ONNX Runtime (default: physical cores) and libtorch (default: its own OpenMP choice) are compared at the same count.
    /// </summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    public string? DeviceId { get; init; }

    public string? ResultsRoot { get; init; }

    /// <summary>A .y4m file or a folder of .ppm frames to use instead of the synthetic video.</summary>
    public string? Frames { get; init; }

    /// <summary>Which telemetry sampler runs beside the measured iterations.</summary>
    public EdgeBench.Benchmarks.Telemetry.TelemetrySource TelemetrySource { get; init; } = EdgeBench.Benchmarks.Telemetry.TelemetrySource.Auto;

    /// <summary>Frames per second of the camera scenario's simulated camera.</summary>
    public double CameraFps { get; init; } = 30;

    /// <summary>A scenario's minimum measured duration (it also runs until its percentile has enough frames).</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When set: only camera scenarios run, each for this long, with a per-second timeline.</summary>
    public TimeSpan? Sustained { get; init; }

    /// <summary>Telemetry sampling interval in milliseconds.</summary>
    public int TelemetryIntervalMs { get; init; } = EdgeBench.Benchmarks.Telemetry.TelemetrySources.DefaultIntervalMs;

    /// <summary>
    /// Removes EdgeBench's options from <paramref name="args"/>; the rest is returned for BenchmarkDotNet.
    /// Bad values raise <see cref="ArgumentException"/> naming the flag and what was expected.
    /// </summary>
    public static (RunSettings Settings, string[] Remaining) Parse(string[] args)
    {
        RunSettings settings = FromEnvironment();
        var remaining = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value.");
            switch (flag)
            {
                case "--batch":
                    settings = settings with { Batches = ParseBatches(Value(), flag) };
                    break;
                case "--precision":
                    settings = settings with { Precisions = ParsePrecisions(Value(), flag) };
                    break;
                case "--backend":
                    settings = settings with { Backends = ParseBackends(Value(), flag), BackendsExplicit = true };
                    break;
                case "--threads":
                    string threads = Value();
                    settings = settings with
                    {
                        Threads = int.TryParse(threads, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 0 and <= 1024
                            ? n
                            : throw new ArgumentException($"--threads: '{threads}' is not a thread count (0..1024, 0 = engine default)."),
                    };
                    break;
                case "--device-id":
                    settings = settings with { DeviceId = Value() };
                    break;
                case "--results":
                    settings = settings with { ResultsRoot = Value() };
                    break;
                case "--frames":
                    string frames = Path.GetFullPath(Value());
                    settings = settings with
                    {
                        Frames = File.Exists(frames) || Directory.Exists(frames)
                            ? frames
                            : throw new ArgumentException($"--frames: '{frames}' does not exist; expected a .y4m file or a folder of .ppm frames."),
                    };
                    break;
                case "--telemetry":
                    settings = settings with { TelemetrySource = EdgeBench.Benchmarks.Telemetry.TelemetrySources.Parse(Value(), flag) };
                    break;
                case "--telemetry-interval":
                    settings = settings with { TelemetryIntervalMs = EdgeBench.Benchmarks.Telemetry.TelemetrySources.ParseInterval(Value(), flag) };
                    break;
                default:
                    remaining.Add(flag);
                    break;
            }
        }

        return (settings, remaining.ToArray());
    }

    /// <summary>The settings the environment carries (defaults where unset); used by [ParamsSource] members.</summary>
    public static RunSettings FromEnvironment()
    {
        var settings = new RunSettings();
        if (Environment.GetEnvironmentVariable(BatchesVariable) is { Length: > 0 } batches)
        {
            settings = settings with { Batches = ParseBatches(batches, BatchesVariable) };
        }

        if (Environment.GetEnvironmentVariable(PrecisionsVariable) is { Length: > 0 } precisions)
        {
            settings = settings with { Precisions = ParsePrecisions(precisions, PrecisionsVariable) };
        }

        if (Environment.GetEnvironmentVariable(BackendsVariable) is { Length: > 0 } backends)
        {
            settings = settings with { Backends = ParseBackends(backends, BackendsVariable), BackendsExplicit = true };
        }

        if (int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int threads))
        {
            settings = settings with { Threads = threads };
        }

        if (Environment.GetEnvironmentVariable(TelemetryVariable) is { Length: > 0 } telemetry)
        {
            settings = settings with { TelemetrySource = EdgeBench.Benchmarks.Telemetry.TelemetrySources.Parse(telemetry, TelemetryVariable) };
        }

        if (Environment.GetEnvironmentVariable(TelemetryIntervalVariable) is { Length: > 0 } interval)
        {
            settings = settings with { TelemetryIntervalMs = EdgeBench.Benchmarks.Telemetry.TelemetrySources.ParseInterval(interval, TelemetryIntervalVariable) };
        }

        return settings with
        {
            DeviceId = Environment.GetEnvironmentVariable(DeviceIdVariable),
            ResultsRoot = Environment.GetEnvironmentVariable(ResultsRootVariable),
            Frames = Environment.GetEnvironmentVariable(FramesVariable) is { Length: > 0 } frames ? frames : null,
        };
    }

    /// <summary>Publishes the settings to the environment for [ParamsSource] and child processes.</summary>
    public void Export()
    {
        Environment.SetEnvironmentVariable(BatchesVariable, string.Join(',', Batches));
        Environment.SetEnvironmentVariable(PrecisionsVariable, string.Join(',', Precisions.Select(p => p.ToName())));
        // Only a list the user chose is published, so the cases can still tell it from the default one.
        Environment.SetEnvironmentVariable(BackendsVariable, BackendsExplicit ? string.Join(',', Backends) : null);
        Environment.SetEnvironmentVariable(ThreadsVariable, Threads.ToString(CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable(FramesVariable, Frames);
        Environment.SetEnvironmentVariable(TelemetryVariable, EdgeBench.Benchmarks.Telemetry.TelemetrySources.Name(TelemetrySource));
        Environment.SetEnvironmentVariable(TelemetryIntervalVariable, TelemetryIntervalMs.ToString(CultureInfo.InvariantCulture));
    }

    private static int[] ParseBatches(string text, string source) =>
        Split(text).Select(b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 256
            ? n
            : throw new ArgumentException($"{source}: '{b}' is not a batch size (1..256); expected a list such as 1,4.")).Distinct().ToArray();

    private static Precision[] ParsePrecisions(string text, string source) =>
        Split(text).Select(p => PrecisionNames.TryParse(p, out Precision precision)
            ? precision
            : throw new ArgumentException($"{source}: '{p}' is not a precision; expected fp32, fp16 or both (fp32,fp16).")).Distinct().ToArray();

    private static string[] ParseBackends(string text, string source) =>
        Split(text).Select(b => BackendNames.All.Contains(b)
            ? b
            : throw new ArgumentException($"{source}: '{b}' is not a backend; expected one or more of {string.Join(", ", BackendNames.All)}.")).Distinct().ToArray();

    private static string[] Split(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length > 0 ? parts : throw new ArgumentException($"'{text}' is an empty list.");
    }
}
