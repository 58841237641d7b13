using System.Globalization;

namespace EdgeBench.Telemetry.PowerCommand;

/// <summary>Settings of a <see cref="PowerCommandSampler"/>.</summary>
public sealed record PowerCommandSamplerOptions
{
    /// <summary>The command line, run by <see cref="Shell"/> <c>-c</c> so that a pipe or a script with arguments works
    /// (<c>curl -s http://plug/status | jq .power</c>). It must print watts on its first line.</summary>
    public required string Command { get; init; }

    /// <summary>Time between two runs; the first comes one interval after Start (or as Stop closes a shorter window). A run that takes longer than the
    /// interval delays the next one: runs never overlap.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one run may take before its process tree is killed and the run counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The shell that runs <see cref="Command"/>.</summary>
    public string Shell { get; init; } = "/bin/sh";
}

/// <summary>One run of the power command that printed watts.</summary>
/// <param name="Elapsed">Time since Start at which the run began (Stopwatch-based).</param>
/// <param name="Watts">What it printed.</param>
public readonly record struct TimedPowerSample(TimeSpan Elapsed, double Watts);

/// <summary>
/// Board power from a command of the user's (a USB power meter's reader, a smart plug's API) for boards without a
/// sensor: the command is run at the sampling interval and its first line read as watts. A run that fails (non-zero
/// exit, no number, a hang past <see cref="PowerCommandSamplerOptions.Timeout"/>) is counted and left out; a window in
/// which no run gave watts ends as <see cref="TelemetryOutcome.NoSamples"/> with the last failure as its reason.
/// </summary>
public sealed class PowerCommandSampler : ITelemetrySampler
{
    /// <summary>The source name in messages and notes.</summary>
    public const string SourceName = "power-command";

    private readonly PowerCommandSamplerOptions _options;
    private readonly PollingSampler<TimedPowerSample> _polling;
    private int _failedRuns;
    private volatile string? _lastFailure;

    /// <summary>Creates a sampler; nothing runs until <see cref="Start"/>.</summary>
    public PowerCommandSampler(PowerCommandSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Command, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Timeout, TimeSpan.FromMilliseconds(1), nameof(options));
        _options = options;
        _polling = new PollingSampler<TimedPowerSample>(
            new PollingOptions(SourceName, options.Interval, options.Timeout, Prepare: () => null, DescribeFailures),
            Poll);
    }

    /// <inheritdoc />
    public string Source => _polling.Source;

    /// <inheritdoc />
    public TelemetrySamplerStatus Status => _polling.Status;

    /// <inheritdoc />
    public string? StatusMessage => _polling.StatusMessage;

    /// <summary>The runs that gave watts so far; complete after Stop.</summary>
    public IReadOnlyList<TimedPowerSample> Samples => _polling.Samples;

    /// <inheritdoc />
    public IReadOnlyList<TelemetryReading> Readings => [.. Samples.Select(s => new TelemetryReading(s.Elapsed, PowerMw: s.Watts * 1000))];

    /// <inheritdoc />
    public long StartTimestamp => _polling.StartTimestamp;

    /// <summary>Runs that failed so far.</summary>
    public int FailedRuns => Volatile.Read(ref _failedRuns);

    /// <summary>Says that the power is the command's, and how many runs failed (with the last failure) when some did.</summary>
    public string? PowerCoverage
    {
        get
        {
            int failed = FailedRuns;
            string where = $"power: the power command's watts ('{_options.Command}')";
            return failed == 0 || Samples.Count == 0
                ? where
                : string.Create(CultureInfo.InvariantCulture, $"{where}, {failed} of {failed + Samples.Count} runs failed (last: {_lastFailure})");
        }
    }

    /// <inheritdoc />
    public bool Start() => _polling.Start();

    /// <inheritdoc />
    public bool WaitForSamples(int count, TimeSpan timeout) => _polling.WaitForSamples(count, timeout);

    /// <inheritdoc />
    public TelemetryStopResult Stop() => _polling.Stop();

    /// <inheritdoc />
    public void Dispose() => _polling.Dispose();

    /// <summary>Reads the watts from a run's stdout: the first line, a finite number >= 0, optionally followed by
    /// <c>W</c>. Otherwise false with what was wrong, quoting the line.</summary>
    internal static bool TryParseWatts(string? output, out double watts, out string? problem)
    {
        watts = 0;
        string firstLine = (output ?? string.Empty).Split('\n')[0].Trim();
        ReadOnlySpan<char> number = firstLine.AsSpan();
        if (number.EndsWith("W", StringComparison.Ordinal))
        {
            number = number[..^1].TrimEnd();
        }

        if (double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out watts) && double.IsFinite(watts) && watts >= 0)
        {
            problem = null;
            return true;
        }

        string shown = firstLine.Length > 60 ? firstLine[..60] + "..." : firstLine;
        problem = firstLine.Length == 0
            ? "it printed nothing on its first line; expected watts, e.g. 4.2"
            : $"its first line '{shown}' is not watts; expected a number >= 0, e.g. 4.2";
        watts = 0;
        return false;
    }

    private bool Poll(long timestamp, TimeSpan elapsed, out TimedPowerSample sample)
    {
        sample = default;
        OneShotResult run = ChildProcess.RunOnce(_options.Shell, ["-c", _options.Command], _options.Timeout);
        string? problem;
        if (run.StartError is { } startError)
        {
            problem = $"{_options.Shell} could not start: {startError}";
        }
        else if (run.TimedOut)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"it did not finish within {_options.Timeout.TotalSeconds:0.###} s and was killed");
        }
        else if (run.ExitCode != 0)
        {
            string? stderr = run.StandardError?.Trim().ReplaceLineEndings(" ");
            problem = string.Create(CultureInfo.InvariantCulture,
                $"it exited with code {run.ExitCode}{(string.IsNullOrEmpty(stderr) ? "" : ": " + (stderr.Length > 120 ? stderr[..120] + "..." : stderr))}");
        }
        else if (TryParseWatts(run.StandardOutput, out double watts, out problem))
        {
            sample = new TimedPowerSample(elapsed, watts);
            return true;
        }

        _lastFailure = problem;
        Interlocked.Increment(ref _failedRuns);
        return false;
    }

    private string DescribeFailures(int failedRuns) => failedRuns == 0
        ? $"the power command '{_options.Command}' did not run once in the window"
        : string.Create(CultureInfo.InvariantCulture,
            $"the power command '{_options.Command}' gave no watts in {failedRuns} run{(failedRuns == 1 ? "" : "s")}; last: {_lastFailure}");
}
