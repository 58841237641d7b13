using System.Diagnostics;

namespace EdgeBench.Telemetry.PowerCommand;

/// <summary>
/// A telemetry source with its power replaced by a power command's: both run for the same window; the readings are
/// the source's (utilisation, RAM, temperature, throttling, its own channels) and the command's (power) on one time
/// axis. The command is what the user asked to measure power with, so it wins; the source's own power figure, where it
/// has one, is kept in the raw samples as the <c>source_power_mw</c> channel. Either side's failure is reported the
/// way a single sampler's is: the source's first, then the command's.
/// </summary>
public sealed class WithPowerCommandSampler : ITelemetrySampler
{
    /// <summary>The channel that keeps the source's own power when the command's replaces it.</summary>
    public const string SourcePowerChannel = "source_power_mw";

    private readonly ITelemetrySampler _source;
    private readonly PowerCommandSampler _power;

    /// <summary>Wraps <paramref name="source"/> (not started) and <paramref name="power"/> (not started); disposes both.</summary>
    public WithPowerCommandSampler(ITelemetrySampler source, PowerCommandSampler power)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(power);
        _source = source;
        _power = power;
    }

    /// <inheritdoc />
    public string Source => $"{_source.Source}+{_power.Source}";

    /// <inheritdoc />
    public TelemetrySamplerStatus Status => _source.Status;

    /// <inheritdoc />
    public string? StatusMessage => Join(_source.StatusMessage, _power.StatusMessage);

    /// <inheritdoc />
    public long StartTimestamp => _source.StartTimestamp != 0 ? _source.StartTimestamp : _power.StartTimestamp;

    /// <inheritdoc />
    public string? PowerCoverage => _power.PowerCoverage;

    /// <inheritdoc />
    public IReadOnlyList<TelemetryReading> Readings
    {
        get
        {
            long origin = StartTimestamp;
            IEnumerable<TelemetryReading> source = _source.Readings.Select(r => r.PowerMw is { } mw
                ? r with { PowerMw = null, Channels = [.. r.Channels ?? [], new TelemetryChannel(SourcePowerChannel, mw)] }
                : r);
            // The command's times count from its own start: moved onto the source's axis.
            TimeSpan shift = origin == 0 || _power.StartTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(origin, _power.StartTimestamp);
            IEnumerable<TelemetryReading> power = _power.Readings.Select(r => r with { Elapsed = r.Elapsed + shift });
            return [.. source.Concat(power).OrderBy(r => r.Elapsed)];
        }
    }

    /// <inheritdoc />
    public bool Start()
    {
        bool source = _source.Start();
        bool power = _power.Start();
        return source && power;
    }

    /// <inheritdoc />
    public bool WaitForSamples(int count, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        if (!_source.WaitForSamples(count, timeout))
        {
            return false;
        }

        TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
        return _power.WaitForSamples(count, left > TimeSpan.Zero ? left : TimeSpan.Zero);
    }

    /// <inheritdoc />
    public TelemetryStopResult Stop()
    {
        TelemetryStopResult source = _source.Stop();
        TelemetryStopResult power = _power.Stop();
        TelemetryStopResult first = source.Outcome != TelemetryOutcome.Completed ? source : power;
        return new TelemetryStopResult(
            first.Outcome,
            Join(source.Outcome == TelemetryOutcome.Completed ? null : source.Reason, power.Outcome == TelemetryOutcome.Completed ? null : power.Reason),
            source.Method,
            source.SampleCount + power.SampleCount,
            source.UnparsedLines + power.UnparsedLines,
            source.ExitCode,
            source.StandardError);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _source.Dispose();
        _power.Dispose();
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : first + "; " + second;
}
