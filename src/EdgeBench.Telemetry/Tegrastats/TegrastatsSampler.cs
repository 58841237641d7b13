using System.Diagnostics;

namespace EdgeBench.Telemetry.Tegrastats;

/// <summary>Settings of a <see cref="TegrastatsSampler"/>: the interval is passed as <c>--interval &lt;ms&gt;</c>.</summary>
public sealed record TegrastatsSamplerOptions : ToolSamplerOptions;

/// <summary>Lifecycle state of a <see cref="TegrastatsSampler"/>.</summary>
public enum TegrastatsSamplerStatus
{
    /// <summary><see cref="TegrastatsSampler.Start"/> has not been called.</summary>
    NotStarted,

    /// <summary>The process could not be started (e.g. missing executable); see <see cref="TegrastatsSampler.StatusMessage"/>.</summary>
    StartFailed,

    /// <summary>The process is running and its lines are being read.</summary>
    Running,

    /// <summary>The process ended on its own before <see cref="TegrastatsSampler.Stop"/>; see
    /// <see cref="TegrastatsSampler.StatusMessage"/> (exit code and stderr).</summary>
    ExitedEarly,

    /// <summary><see cref="TegrastatsSampler.Stop"/> has run.</summary>
    Stopped,
}

/// <summary>How <see cref="TegrastatsSampler.Stop"/> ended the process.</summary>
public enum TegrastatsStopMethod
{
    /// <summary>There was no process (never started, start failed, or already stopped).</summary>
    NotRunning,

    /// <summary>The process had already exited by itself.</summary>
    AlreadyExited,

    /// <summary>The process exited after SIGINT within half the stop timeout.</summary>
    Interrupted,

    /// <summary>Neither SIGINT nor SIGTERM was honoured in time (or signals cannot be sent on this OS); the process
    /// tree was killed.</summary>
    Killed,

    /// <summary>SIGINT was not honoured (e.g. tegrastats started with SIGINT ignored, as under <c>nohup ... &amp;</c>);
    /// the process exited after SIGTERM.</summary>
    Terminated,
}

/// <summary>A parsed line with the time it was read.</summary>
/// <param name="Elapsed">Time since <see cref="TegrastatsSampler.Start"/> (Stopwatch-based, monotonic).</param>
/// <param name="StopwatchTimestamp">Raw <see cref="Stopwatch.GetTimestamp"/> at read time, to correlate with other
/// Stopwatch-based measurements.</param>
/// <param name="Sample">The parsed line.</param>
public readonly record struct TimedTegrastatsSample(TimeSpan Elapsed, long StopwatchTimestamp, TegrastatsSample Sample);

/// <summary>Outcome of <see cref="TegrastatsSampler.Stop"/>.</summary>
/// <param name="Method">How the process ended.</param>
/// <param name="ExitCode">The process exit code where known (on Unix 128+signal for a signalled process).</param>
/// <param name="SampleCount">Number of parsed lines kept.</param>
/// <param name="UnparsedLines">Number of non-blank lines that were not tegrastats output.</param>
/// <param name="StandardError">The tail of the process's stderr, or null when it printed nothing.</param>
public sealed record TegrastatsStopResult(
    TegrastatsStopMethod Method, int? ExitCode, int SampleCount, int UnparsedLines, string? StandardError);

/// <summary>
/// Runs <c>tegrastats --interval &lt;ms&gt;</c> as a foreground child, parses every stdout line on a background task
/// and stops it with SIGINT, then SIGTERM, then (after <see cref="ToolSamplerOptions.StopTimeout"/>) by
/// killing the process tree. One instance samples one run: the averages tegrastats prints accumulate from its own
/// start, so a fresh process per window keeps them about that window.
/// </summary>
/// <remarks>
/// The lifecycle is <see cref="LineProcessSampler{TSample}"/>'s, shared with the nvidia-smi sampler, and the stop
/// path is <see cref="ChildProcess.Stop"/>'s (signals first, because when tegrastats runs under <c>sudo</c> only a
/// catchable signal is relayed to it). Never uses <c>tegrastats --stop</c> or a kill by name: those would end other
/// tools' instances. A missing executable is a status (<see cref="TegrastatsSamplerStatus.StartFailed"/>), not an
/// exception, so a benchmark run goes on without telemetry. Dispose (or an exiting host) kills a still-running
/// process so none outlives the sampler. Through <see cref="ITelemetrySampler"/> the same sampler reports the common
/// status, stop result and readings.
/// </remarks>
public sealed class TegrastatsSampler : ITelemetrySampler
{
    /// <summary>Environment variable that overrides the executable (e.g. a full path or a fake in tests).</summary>
    public const string ExecutableEnvironmentVariable = "EDGEBENCH_TEGRASTATS";

    /// <summary>Executable used when neither the options nor the environment name one.</summary>
    public const string DefaultExecutable = "tegrastats";

    private readonly LineProcessSampler<TimedTegrastatsSample> _process;
    private readonly object _stopGate = new();
    private TegrastatsStopResult? _stopResult;

    /// <summary>Creates a sampler (the executable is resolved now); nothing starts until <see cref="Start"/>.</summary>
    public TegrastatsSampler(TegrastatsSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _process = new LineProcessSampler<TimedTegrastatsSample>(
            options.ToLineProcessOptions(ToolExecutable.Tegrastats, intervalMs => ["--interval", intervalMs]),
            ParseLine);
    }

    /// <inheritdoc />
    public string Source => DefaultExecutable;

    /// <summary>Current lifecycle state.</summary>
    public TegrastatsSamplerStatus Status => _process.Status switch
    {
        TelemetrySamplerStatus.StartFailed => TegrastatsSamplerStatus.StartFailed,
        TelemetrySamplerStatus.Running => TegrastatsSamplerStatus.Running,
        TelemetrySamplerStatus.ExitedEarly => TegrastatsSamplerStatus.ExitedEarly,
        TelemetrySamplerStatus.Stopped => TegrastatsSamplerStatus.Stopped,
        _ => TegrastatsSamplerStatus.NotStarted,
    };

    /// <inheritdoc />
    TelemetrySamplerStatus ITelemetrySampler.Status => _process.Status;

    /// <summary>Human-readable detail for <see cref="TegrastatsSamplerStatus.StartFailed"/> and
    /// <see cref="TegrastatsSamplerStatus.ExitedEarly"/>; null otherwise.</summary>
    public string? StatusMessage => _process.StatusMessage;

    /// <summary>The child's process id once started (kept after exit so callers can check it is gone).</summary>
    public int? ProcessId => _process.ProcessId;

    /// <summary>The executable used (after resolving options and environment at construction).</summary>
    public string? Executable => _process.Executable;

    /// <summary>A snapshot of the parsed samples so far, in arrival order.</summary>
    public IReadOnlyList<TimedTegrastatsSample> Samples => _process.Samples;

    /// <inheritdoc />
    public IReadOnlyList<TelemetryReading> Readings => [.. _process.Samples.Select(TelemetryReadings.FromTegrastats)];

    public long StartTimestamp => _process.StartTimestamp;

    /// <summary>Number of non-blank stdout lines that did not parse as tegrastats output.</summary>
    public int UnparsedLines => _process.UnparsedCount;

    /// <summary>Starts the process. Returns false (with <see cref="Status"/> = StartFailed and a message) when it
    /// cannot be started. A sampler starts once.</summary>
    public bool Start() => _process.Start();

    /// <summary>Waits until at least <paramref name="count"/> samples were parsed; false on timeout or when the
    /// process's output ended first.</summary>
    public bool WaitForSamples(int count, TimeSpan timeout) => _process.WaitForSamples(count, timeout);

    /// <summary>Stops the process: SIGINT, then SIGTERM (Unix), within <see cref="ToolSamplerOptions.StopTimeout"/>,
    /// then kill the whole process tree. Safe to call more than once and when nothing was started.</summary>
    public TegrastatsStopResult Stop()
    {
        TelemetryStopResult r = _process.Stop();
        lock (_stopGate)
        {
            if (_stopResult is not null)
            {
                return _stopResult;
            }

            TegrastatsStopMethod method = r.Method switch
            {
                TelemetryStopMethod.AlreadyExited => TegrastatsStopMethod.AlreadyExited,
                TelemetryStopMethod.Interrupted => TegrastatsStopMethod.Interrupted,
                TelemetryStopMethod.Killed => TegrastatsStopMethod.Killed,
                TelemetryStopMethod.Terminated => TegrastatsStopMethod.Terminated,
                _ => TegrastatsStopMethod.NotRunning,
            };
            var result = new TegrastatsStopResult(method, r.ExitCode, r.SampleCount, r.UnparsedLines, r.StandardError);
            if (method != TegrastatsStopMethod.NotRunning)
            {
                _stopResult = result;
            }

            return result;
        }
    }

    /// <inheritdoc />
    TelemetryStopResult ITelemetrySampler.Stop() => _process.Stop();

    /// <summary>Stops the process if it still runs and releases it.</summary>
    public void Dispose() => _process.Dispose();

    private static LineDisposition ParseLine(string line, long timestamp, TimeSpan elapsed, out TimedTegrastatsSample sample)
    {
        if (TegrastatsParser.TryParse(line, out TegrastatsSample parsed))
        {
            sample = new TimedTegrastatsSample(elapsed, timestamp, parsed);
            return LineDisposition.Sample;
        }

        sample = default;
        return LineDisposition.Unparsed;
    }
}
