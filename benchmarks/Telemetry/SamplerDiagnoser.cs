using System.Globalization;
using BenchmarkDotNet.Analysers;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Validators;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.PowerCommand;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>
/// The lifecycle every telemetry diagnoser shares, in BenchmarkDotNet 0.15.8's synchronous shape: a fresh sampler is
/// started at <see cref="HostSignal.BeforeActualRun"/> and stopped at <see cref="HostSignal.AfterActualRun"/> (the
/// samplers stop with SIGINT, then <see cref="TelemetryDiagnoserConfig.StopTimeout"/>, then kill the process tree,
/// and are disposed in <c>finally</c>), so a window covers exactly the measured iterations of one case.
/// <see cref="ProcessResults"/> summarises the window against the same run's workload/actual measurements.
/// </summary>
/// <remarks>
/// Nothing here may stop the benchmarks: a missing, crashing, silent or hanging tool only leaves the metrics out,
/// and the reason goes to <see cref="TelemetryCaseResults"/> (edgebench.csv's <c>notes</c>) and the raw file. Hence
/// <see cref="Validate"/> returns warnings, not the critical errors BenchmarkDotNet's profilers use: a critical
/// error would cancel the whole run for want of a power reading. Handle runs in the host process with every
/// toolchain (in-process calls it directly; out-of-process forwards the child's signals), so the sampler, its
/// readings and the per-case results all live here.
/// </remarks>
internal abstract class SamplerDiagnoser : IDiagnoser
{
    private readonly object _gate = new();
    private readonly Dictionary<BenchmarkCase, Window> _finished = [];
    private Window? _active;

    protected SamplerDiagnoser(TelemetryDiagnoserConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
    }

    /// <summary>The settings this diagnoser runs with.</summary>
    public TelemetryDiagnoserConfig Config { get; }

    /// <summary>The source's name as <c>--telemetry</c> spells it (also the raw files' <c>source</c>).</summary>
    public abstract string Source { get; }

    public IEnumerable<string> Ids => [GetType().Name];

    public IEnumerable<IExporter> Exporters => [];

    public IEnumerable<IAnalyser> Analysers => [];

    public RunMode GetRunMode(BenchmarkCase benchmarkCase) => Config.RunMode;

    public void Handle(HostSignal signal, DiagnoserActionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        switch (signal)
        {
            case HostSignal.BeforeActualRun:
                StartWindow(parameters.BenchmarkCase);
                break;
            case HostSignal.AfterActualRun:
                StopWindow(parameters.BenchmarkCase, reason: null);
                break;
            case HostSignal.AfterAll:
            case HostSignal.AfterProcessExit:
                // The workload threw between the two signals: the sampler must not outlive the case.
                StopWindow(parameters.BenchmarkCase, "the measured iterations did not finish (no AfterActualRun)");
                break;
        }
    }

    public IEnumerable<Metric> ProcessResults(DiagnoserResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        BenchmarkCase benchmarkCase = results.BenchmarkCase;
        Window? window;
        lock (_gate)
        {
            _finished.Remove(benchmarkCase, out window);
        }

        // Per-operation normalisation uses exactly the iterations the window covered: workload, actual stage.
        Measurement[] actual = [.. results.Measurements.Where(m => m.Is(IterationMode.Workload, IterationStage.Actual))];
        var windowTime = TimeSpan.FromTicks((long)(actual.Sum(m => m.Nanoseconds) / 100));
        long operations = actual.Sum(m => m.Operations);
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        int framesPerOperation = id.IsFrameStage && id.Batch > 0 ? id.Batch : 1;

        TelemetryCaseResult result = window is null
            ? new TelemetryCaseResult(Source, 0, "no sampling window: BenchmarkDotNet sent no BeforeActualRun/AfterActualRun for this case", null, null)
            : Summarize(window, windowTime, operations, framesPerOperation);

        if (window is not null)
        {
            (string? rawFile, string? error) = RawSamplesFile.TryWrite(Config, benchmarkCase, window.Readings, result);
            result = result with
            {
                Readings = window.Readings,
                StartTimestamp = window.StartTimestamp,
                RawFile = rawFile,
                Reason = error is null ? result.Reason : string.Join("; ", new[] { result.Reason, error }.OfType<string>()),
            };
        }

        TelemetryCaseResults.Set(benchmarkCase, result);
        return Metrics(result);
    }

    public void DisplayResults(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        // Called once after the last case: a sampler left running by a last case that threw stops here, not at exit.
        StopWindow(null, "the measured iterations did not finish (no AfterActualRun)");
        logger.WriteLineInfo($"// Telemetry ({Source}): every {Config.Interval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms during the measured iterations; raw samples in telemetry/ of the run folder, reasons in edgebench.csv notes.");
    }

    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        if (MissingToolMessage() is { } message)
        {
            yield return new ValidationError(
                isCritical: false,
                $"Telemetry ({Source}): {message} The benchmarks still run; the telemetry columns stay empty and edgebench.csv says why. Use --telemetry none to silence this.");
        }
    }

    /// <summary>A new, unstarted sampler for one window.</summary>
    protected abstract ITelemetrySampler CreateSampler();

    /// <summary>A new, unstarted sampler of <see cref="TelemetryDiagnoserConfig.PowerCommand"/>, or null without one.</summary>
    protected PowerCommandSampler? CreatePowerCommandSampler() => Config.PowerCommand is { } command
        ? new PowerCommandSampler(new PowerCommandSamplerOptions { Command = command, Interval = Config.Interval })
        : null;

    // The source's sampler, with a power command's watts in place of its power when one is configured.
    protected virtual ITelemetrySampler CreateWindowSampler()
    {
        ITelemetrySampler source = CreateSampler();
        PowerCommandSampler? power;
        try
        {
            power = CreatePowerCommandSampler();
        }
        catch
        {
            source.Dispose();
            throw;
        }

        return power is null ? source : new WithPowerCommandSampler(source, power);
    }

    /// <summary>Why the source cannot work here (with a fix hint), or null when it looks usable.</summary>
    protected abstract string? MissingToolMessage();

    /// <summary>A tool sampler's settings from <see cref="Config"/>: executable override, interval, stop timeout.</summary>
    protected TOptions ToolOptions<TOptions>()
        where TOptions : ToolSamplerOptions, new() => new()
    {
        ExecutablePath = Config.ExecutablePath,
        Interval = Config.Interval,
        StopTimeout = Config.StopTimeout,
    };

    /// <summary>"Not found" with the tool's fix hint when the executable the sampler would run (configured path, else
    /// the tool's environment variable, else PATH) does not exist; null when it does.</summary>
    protected string? ToolNotFoundMessage(ToolExecutable tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        MachineProbe machine = MachineProbe.Current;
        return tool.Locate(Config.ExecutablePath, machine.GetEnvironmentVariable, machine.FileExists) is null
            ? $"'{tool.Resolve(Config.ExecutablePath, machine.GetEnvironmentVariable)}' was not found. {tool.FixHint}"
            : null;
    }

    private static IEnumerable<Metric> Metrics(TelemetryCaseResult r)
    {
        TelemetryWindowSummary? s = r.Summary;
        if (s is not null)
        {
            if (s.AveragePowerW is { } power)
            {
                yield return new Metric(TelemetryMetrics.Power, power);
            }

            if (r.EnergyPerFrameMj is { } energy)
            {
                yield return new Metric(TelemetryMetrics.EnergyPerFrame, energy);
            }

            if (s.MeanGpuUtilPct is { } gpu)
            {
                yield return new Metric(TelemetryMetrics.GpuUtil, gpu);
            }

            if (s.MeanCpuUtilPct is { } cpu)
            {
                yield return new Metric(TelemetryMetrics.CpuUtil, cpu);
            }

            if (s.PeakRamUsedMb is { } ram)
            {
                yield return new Metric(TelemetryMetrics.RamUsed, ram);
            }

            if (s.PeakTemperatureC is { } temperature)
            {
                yield return new Metric(TelemetryMetrics.MaxTemperature, temperature);
            }

            if (s.Throttled is { } throttled)
            {
                yield return new Metric(TelemetryMetrics.Throttled, throttled ? 1 : 0);
            }

            if (s.PeakGpuMemoryUsedMb is { } gpuMemory)
            {
                yield return new Metric(TelemetryMetrics.GpuMemoryUsed, gpuMemory);
            }
        }

        yield return new Metric(TelemetryMetrics.Samples, r.SampleCount);
    }

    private TelemetryCaseResult Summarize(Window window, TimeSpan windowTime, long operations, int framesPerOperation)
    {
        TelemetryWindowSummary summary = TelemetrySummary.Summarize(window.Readings, windowTime, operations);
        var reasons = new List<string>();
        if (window.Reason is { } windowReason)
        {
            reasons.Add(windowReason);
        }

        // Killed on stop still has valid samples, but say so: the tool ignored SIGINT.
        if (window.Stop is { Outcome: not TelemetryOutcome.Completed, Reason: { } stopReason } && !reasons.Contains(stopReason))
        {
            reasons.Add(stopReason);
        }

        // "Too few samples, lengthen the iterations" is only advice worth giving when the tool itself worked; when it
        // failed, its own reason is the explanation.
        bool toolWorked = window.Reason is null && window.Stop?.Outcome is TelemetryOutcome.Completed or TelemetryOutcome.KilledOnStop;
        if (summary.Reason is { } summaryReason && toolWorked)
        {
            reasons.Add(summaryReason);
        }

        return new TelemetryCaseResult(
            Source,
            summary.SampleCount,
            reasons.Count == 0 ? null : string.Join("; ", reasons),
            summary,
            summary.EnergyPerOperationMj / framesPerOperation)
        {
            Outcome = window.Stop?.Outcome,
            PowerCoverage = window.PowerCoverage,
        };
    }

    private void StartWindow(BenchmarkCase benchmarkCase)
    {
        StopWindow(null, "a new case started before AfterActualRun of the previous one");
        ITelemetrySampler? sampler = null;
        string? reason = null;
        try
        {
            sampler = CreateWindowSampler();
            if (!sampler.Start())
            {
                reason = sampler.StatusMessage ?? $"{Source} could not start";
            }
        }
#pragma warning disable CA1031 // A diagnoser that throws would fail the benchmark; the reason goes to the CSV instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = $"{Source} could not start: {e.GetType().Name}: {e.Message}";
        }

        lock (_gate)
        {
            _active = new Window(benchmarkCase, sampler, reason);
        }
    }

    // Stops the active window (of benchmarkCase, or of any case when null) and files it for ProcessResults.
    private void StopWindow(BenchmarkCase? benchmarkCase, string? reason)
    {
        Window? window;
        lock (_gate)
        {
            window = _active;
            if (window is null || (benchmarkCase is not null && !ReferenceEquals(window.Case, benchmarkCase)))
            {
                return;
            }

            _active = null;
        }

        try
        {
            if (window.Sampler is { } sampler)
            {
                window.Stop = sampler.Stop();
                window.Readings = sampler.Readings;
                window.StartTimestamp = sampler.StartTimestamp;
                window.PowerCoverage = sampler.PowerCoverage;
            }
        }
#pragma warning disable CA1031 // Same as above: telemetry never fails a case.
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason ??= $"{Source} could not be stopped cleanly: {e.GetType().Name}: {e.Message}";
        }
        finally
        {
            window.Sampler?.Dispose();
        }

        if (reason is not null)
        {
            window.Reason = window.Reason is null ? reason : window.Reason + "; " + reason;
        }

        lock (_gate)
        {
            _finished[window.Case] = window;
        }
    }

    private sealed class Window(BenchmarkCase benchmarkCase, ITelemetrySampler? sampler, string? reason)
    {
        public BenchmarkCase Case { get; } = benchmarkCase;

        public ITelemetrySampler? Sampler { get; } = sampler;

        public string? Reason { get; set; } = reason;

        public TelemetryStopResult? Stop { get; set; }

        public IReadOnlyList<TelemetryReading> Readings { get; set; } = [];

        public long StartTimestamp { get; set; }

        public string? PowerCoverage { get; set; }
    }
}
