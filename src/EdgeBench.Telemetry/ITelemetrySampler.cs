using System.Diagnostics.CodeAnalysis;

namespace EdgeBench.Telemetry;

/// <summary>Lifecycle state of an <see cref="ITelemetrySampler"/>.</summary>
public enum TelemetrySamplerStatus
{
    /// <summary><see cref="ITelemetrySampler.Start"/> has not been called.</summary>
    NotStarted,

    /// <summary>The sampler could not start (e.g. missing executable); see <see cref="ITelemetrySampler.StatusMessage"/>.</summary>
    StartFailed,

    /// <summary>Sampling is in progress.</summary>
    Running,

    /// <summary>The tool ended on its own before <see cref="ITelemetrySampler.Stop"/>; see
    /// <see cref="ITelemetrySampler.StatusMessage"/> (exit code and stderr).</summary>
    ExitedEarly,

    /// <summary><see cref="ITelemetrySampler.Stop"/> has run.</summary>
    Stopped,
}

/// <summary>How <see cref="ITelemetrySampler.Stop"/> ended the sampling.</summary>
public enum TelemetryStopMethod
{
    /// <summary>Nothing was running (never started, start failed, or already stopped).</summary>
    NotRunning,

    /// <summary>The tool's process had already exited by itself.</summary>
    AlreadyExited,

    /// <summary>The tool's process exited after SIGINT within half the stop timeout.</summary>
    Interrupted,

    /// <summary>Neither SIGINT nor SIGTERM was honoured in time (or signals cannot be sent on this OS); the process
    /// tree was killed.</summary>
    Killed,

    /// <summary>A polling sampler (no long-running process) stopped its thread.</summary>
    PollingStopped,

    /// <summary>SIGINT was not honoured (a process started with SIGINT ignored, as a background job under
    /// <c>nohup ... &amp;</c> is, cannot catch it); the process exited after SIGTERM within the rest of the stop
    /// timeout.</summary>
    Terminated,
}

/// <summary>What a finished sampling run is good for: the single field a diagnoser checks before reporting.</summary>
public enum TelemetryOutcome
{
    /// <summary>Ran until <see cref="ITelemetrySampler.Stop"/>, produced samples and stopped cleanly.</summary>
    Completed,

    /// <summary><see cref="ITelemetrySampler.Start"/> was never called.</summary>
    NotStarted,

    /// <summary>The tool could not be started (missing executable, no permission). No samples.</summary>
    StartFailed,

    /// <summary>The tool exited before <see cref="ITelemetrySampler.Stop"/>. Samples read before the exit stand but do
    /// not cover the whole window.</summary>
    ExitedEarly,

    /// <summary>The tool ran but nothing it printed (or nothing the sampler read) could be parsed: garbage only or
    /// silence.</summary>
    NoSamples,

    /// <summary>The tool ignored SIGINT and SIGTERM and was killed after the stop timeout. Its samples are valid.</summary>
    KilledOnStop,
}

/// <summary>Outcome of <see cref="ITelemetrySampler.Stop"/>.</summary>
/// <param name="Outcome">What the run is good for (see <see cref="TelemetryOutcome"/>).</param>
/// <param name="Reason">Human-readable explanation for every outcome but <see cref="TelemetryOutcome.Completed"/>;
/// null when completed.</param>
/// <param name="Method">How sampling was ended.</param>
/// <param name="SampleCount">Samples kept.</param>
/// <param name="UnparsedLines">Non-blank lines (or unreadable polls) that did not produce a sample.</param>
/// <param name="ExitCode">The tool's exit code where known (on Unix 128+signal for a signalled process).</param>
/// <param name="StandardError">The tail of the tool's stderr, or null when it printed nothing.</param>
public sealed record TelemetryStopResult(
    TelemetryOutcome Outcome,
    string? Reason,
    TelemetryStopMethod Method,
    int SampleCount,
    int UnparsedLines,
    int? ExitCode,
    string? StandardError)
{
    /// <summary>True when there are samples to summarise (completed, killed on stop, or exited early after some).</summary>
    public bool HasSamples => SampleCount > 0;
}

/// <summary>
/// A telemetry source sampled for one measured window: start it just before the window, stop it just after,
/// then summarise <see cref="Readings"/> with <see cref="TelemetrySummary.Summarize"/>. One instance samples one
/// window; create a new one per run. Nothing here throws for a missing or broken tool: the status says why.
/// </summary>
public interface ITelemetrySampler : IDisposable
{
    /// <summary>Short name of the source for messages and metric labels (<c>tegrastats</c>, <c>nvidia-smi</c>,
    /// <c>linux</c>).</summary>
    string Source { get; }

    /// <summary>Current lifecycle state.</summary>
    TelemetrySamplerStatus Status { get; }

    /// <summary>Why the sampler could not start or died; null while all is well.</summary>
    string? StatusMessage { get; }

    /// <summary>Starts sampling. False (with <see cref="Status"/> = StartFailed and a message) when it cannot start.
    /// Throws <see cref="InvalidOperationException"/> on a second call.</summary>
    bool Start();

    /// <summary>Ends sampling and says what the run is good for. Idempotent; safe when never started.</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords",
        Justification = "Start/Stop is the pair every sampler and BDN's own profilers use; VB callers are not a concern.")]
    TelemetryStopResult Stop();

    /// <summary>Waits until at least <paramref name="count"/> samples exist; false on timeout or when the source
    /// ended first.</summary>
    bool WaitForSamples(int count, TimeSpan timeout);

    /// <summary>A snapshot of the samples so far mapped to the common shape, in time order, with monotonic
    /// (Stopwatch-based) times since <see cref="Start"/>. Still complete after <see cref="Stop"/> and Dispose, so a
    /// caller can summarise or lay out the whole window once sampling has ended.</summary>
    IReadOnlyList<TelemetryReading> Readings { get; }

    /// <summary>The <see cref="System.Diagnostics.Stopwatch"/> timestamp the readings' times count from (0 before
    /// <see cref="Start"/>): places them on another Stopwatch-based time axis, e.g. a frame trace's.</summary>
    long StartTimestamp { get; }

    /// <summary>What the power readings cover when the source's name does not say it (a PMIC that misses some
    /// branches, an external meter), for the row's notes; null when there is nothing to add. Read after
    /// <see cref="Stop"/>.</summary>
    string? PowerCoverage => null;
}
