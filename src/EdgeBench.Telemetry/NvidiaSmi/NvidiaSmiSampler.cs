
namespace EdgeBench.Telemetry.NvidiaSmi;

/// <summary>Settings of an <see cref="NvidiaSmiSampler"/>: the interval is passed as <c>-lms &lt;ms&gt;</c>.</summary>
public sealed record NvidiaSmiSamplerOptions : ToolSamplerOptions
{
    /// <summary>The one GPU to keep (nvidia-smi's <c>index</c>, PCI bus order, which ignores
    /// <c>CUDA_VISIBLE_DEVICES</c>); null (default) keeps every GPU, and each reading then aggregates one tick over
    /// all of them (power summed, utilisation averaged, temperature max, throttled any). On a multi-GPU host where
    /// the benchmark uses one card, set this: idle cards would otherwise add their power.</summary>
    public int? GpuIndex { get; init; }
}

/// <summary>A parsed nvidia-smi line with the time it was read.</summary>
/// <param name="Elapsed">Time since <see cref="NvidiaSmiSampler.Start"/> (Stopwatch-based, monotonic).</param>
/// <param name="StopwatchTimestamp">Raw <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> at read time.</param>
/// <param name="Tick">Which query round the line belongs to (0-based): nvidia-smi prints one line per GPU per round,
/// in index order, so a GPU index not above the previous line's starts a new round.</param>
/// <param name="Sample">The parsed line (its <see cref="NvidiaSmiSample.Index"/> says which GPU).</param>
public readonly record struct TimedNvidiaSmiSample(TimeSpan Elapsed, long StopwatchTimestamp, int Tick, NvidiaSmiSample Sample);

/// <summary>
/// Runs <c>nvidia-smi --query-gpu=… --format=csv,noheader,nounits -lms &lt;ms&gt;</c> (<see cref="NvidiaSmiQuery"/>)
/// as a foreground child and parses each line as it arrives. Same lifecycle and stop path as the tegrastats sampler
/// (shared <see cref="LineProcessSampler{TSample}"/>): SIGINT, SIGTERM, <see cref="ToolSamplerOptions.StopTimeout"/>,
/// then kill the process tree; Dispose guarantees no nvidia-smi outlives the sampler.
/// </summary>
public sealed class NvidiaSmiSampler : ITelemetrySampler
{
    /// <summary>Environment variable that overrides the executable (e.g. a full path or a fake in tests).</summary>
    public const string ExecutableEnvironmentVariable = "EDGEBENCH_NVIDIA_SMI";

    /// <summary>Executable used when neither the options nor the environment name one.</summary>
    public const string DefaultExecutable = "nvidia-smi";

    private readonly LineProcessSampler<TimedNvidiaSmiSample> _process;
    private readonly int? _gpuIndex;

    // Reader-thread state for tick detection (the handler runs on one thread only).
    private int _tick = -1;
    private int _lastIndex = int.MaxValue;

    /// <summary>Creates a sampler (the executable is resolved now); nothing starts until <see cref="Start"/>.</summary>
    public NvidiaSmiSampler(NvidiaSmiSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GpuIndex is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.GpuIndex, "GpuIndex must be >= 0 or null (all GPUs).");
        }

        _gpuIndex = options.GpuIndex;
        _process = new LineProcessSampler<TimedNvidiaSmiSample>(
            options.ToLineProcessOptions(ToolExecutable.NvidiaSmi, BuildArguments), ParseLine);
    }

    /// <inheritdoc />
    public string Source => DefaultExecutable;

    /// <inheritdoc />
    public TelemetrySamplerStatus Status => _process.Status;

    /// <inheritdoc />
    public string? StatusMessage => _process.StatusMessage;

    /// <summary>The child's process id once started (kept after exit so callers can check it is gone).</summary>
    public int? ProcessId => _process.ProcessId;

    /// <summary>The executable used (after resolving options and environment at construction).</summary>
    public string Executable => _process.Executable;

    /// <summary>The GPU kept, or null for all.</summary>
    public int? GpuIndex => _gpuIndex;

    /// <summary>Parsed lines kept so far (one per GPU per round), in arrival order.</summary>
    public IReadOnlyList<TimedNvidiaSmiSample> Samples => _process.Samples;

    /// <summary>One reading per round (see <see cref="TelemetryReadings.FromNvidiaSmi"/>), timed by the round's first
    /// line.</summary>
    public IReadOnlyList<TelemetryReading> Readings => ToReadings(_process.Samples);

    public long StartTimestamp => _process.StartTimestamp;

    /// <summary>Non-blank stdout lines that were not nvidia-smi query output (headers, errors, garbage).</summary>
    public int UnparsedLines => _process.UnparsedCount;

    /// <summary>The argument list: <see cref="NvidiaSmiQuery.Arguments"/> then <c>-lms &lt;ms&gt;</c>.</summary>
    internal static IReadOnlyList<string> BuildArguments(string intervalMs) =>
        [.. NvidiaSmiQuery.Arguments.Split(' '), "-lms", intervalMs];

    /// <summary>Groups lines by <see cref="TimedNvidiaSmiSample.Tick"/> into one reading each.</summary>
    internal static IReadOnlyList<TelemetryReading> ToReadings(IReadOnlyList<TimedNvidiaSmiSample> samples)
    {
        var readings = new List<TelemetryReading>();
        int i = 0;
        while (i < samples.Count)
        {
            int tick = samples[i].Tick;
            TimeSpan elapsed = samples[i].Elapsed;
            var gpus = new List<NvidiaSmiSample>();
            for (; i < samples.Count && samples[i].Tick == tick; i++)
            {
                gpus.Add(samples[i].Sample);
            }

            readings.Add(TelemetryReadings.FromNvidiaSmi(elapsed, gpus));
        }

        return readings;
    }

    /// <inheritdoc />
    public bool Start() => _process.Start();

    /// <summary>Waits until at least <paramref name="count"/> lines were kept (GPU lines, not rounds).</summary>
    public bool WaitForSamples(int count, TimeSpan timeout) => _process.WaitForSamples(count, timeout);

    /// <summary>SIGINT, then SIGTERM (Unix), within <see cref="ToolSamplerOptions.StopTimeout"/>, then kill the whole
    /// process tree. Idempotent; safe when nothing was started.</summary>
    public TelemetryStopResult Stop() => _process.Stop();

    /// <summary>Stops the process if it still runs and releases it.</summary>
    public void Dispose() => _process.Dispose();

    private LineDisposition ParseLine(string line, long timestamp, TimeSpan elapsed, out TimedNvidiaSmiSample sample)
    {
        sample = default;
        if (!NvidiaSmiParser.TryParse(line, out NvidiaSmiSample? parsed) || parsed is null)
        {
            return LineDisposition.Unparsed;
        }

        if (parsed.Index <= _lastIndex)
        {
            _tick++;
        }

        _lastIndex = parsed.Index;
        if (_gpuIndex is { } wanted && parsed.Index != wanted)
        {
            return LineDisposition.Ignored;
        }

        sample = new TimedNvidiaSmiSample(elapsed, timestamp, _tick, parsed);
        return LineDisposition.Sample;
    }
}
