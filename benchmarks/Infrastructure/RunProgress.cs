using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains;
using BenchmarkDotNet.Validators;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Summaries;
using EdgeBench.Reporting.Tables;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Progress while cases run: on a terminal one line redrawn in place (case i/N, its name, elapsed, estimated time
/// left, refreshed every second so a ten-minute sustained case visibly lives); elsewhere (a CI log) one line per case
/// when it ends, with its outcome. Failures and BenchmarkDotNet's validation errors are printed when they happen.
/// </summary>
/// <remarks>
/// The estimate of the time left: each remaining case is expected to take as long as the finished cases of the same
/// method of the same class took on average, else those of its class, else all finished cases; a model family's cases
/// cost alike, a family to the next does not (SSD300 against MobileNet: ~10x).
/// </remarks>
internal sealed class RunProgress : EventProcessor, IDisposable
{
    private readonly RunConsole _console;
    private readonly string _runDirectory;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly Dictionary<BenchmarkCase, TimeSpan> _durations = [];
    private readonly Lock _lock = new();
    private readonly Timer? _redraw;
    private BenchmarkCase[] _cases = [];
    private BenchmarkCase? _current;
    private TimeSpan _currentStarted;

    public RunProgress(RunConsole console, string runDirectory)
    {
        _console = console;
        _runDirectory = runDirectory;
        _redraw = console.IsTerminal ? new Timer(_ => Redraw(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) : null;
    }

    public override void OnValidationError(ValidationError validationError)
    {
        ArgumentNullException.ThrowIfNull(validationError);
        if (validationError.IsCritical)
        {
            _console.WriteLine($"error: {validationError.Message}");
        }
    }

    public override void OnStartBuildStage(IReadOnlyList<BuildPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_lock)
        {
            _cases = partitions.SelectMany(p => p.Benchmarks).Select(b => b.BenchmarkCase).Distinct().ToArray();
        }
    }

    public override void OnStartRunBenchmark(BenchmarkCase benchmarkCase)
    {
        lock (_lock)
        {
            _current = benchmarkCase;
            _currentStarted = _elapsed.Elapsed;
        }

        _console.Logger.CurrentCase = benchmarkCase;
        Redraw();
    }

    public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        _console.Logger.CurrentCase = null;
        ResultRow row = ResultRows.From(benchmarkCase, report, baseline: null, _runDirectory);
        string line;
        lock (_lock)
        {
            _durations[benchmarkCase] = _elapsed.Elapsed - _currentStarted;
            _current = null;
            line = $"{Position(_durations.Count)} {Outcome(row)}";
        }

        if (!_console.IsTerminal)
        {
            _console.WriteLine(line);
        }
        else if (row.Status == CaseStatus.Failed)
        {
            _console.WriteLine($"failed: {RunSummary.ShortName(row.Benchmark)}: {row.Reason}");
        }

        Redraw();
    }

    public override void OnEndRunStage() => _console.SetStatus(string.Empty);

    public void Dispose() => _redraw?.Dispose();

    /// <summary>"[ 12/395] 1m05s, ~9m40s left": where the run is.</summary>
    private string Position(int done)
    {
        string left = Remaining() is { } remaining ? $", ~{Format(remaining)} left" : string.Empty;
        string width = _cases.Length.ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"[{done.ToString(CultureInfo.InvariantCulture).PadLeft(width.Length)}/{width}] {Format(_elapsed.Elapsed)}{left}");
    }

    /// <summary>"ok  ResNetBenchmarks.Inference(resnet18, fp32, 1, ort-cpu)  9.86 ms/frame", or the reason it did not run.</summary>
    private static string Outcome(ResultRow row)
    {
        string name = RunSummary.ShortName(row.Benchmark);
        if (row.Status != CaseStatus.Ok)
        {
            return $"{row.Status,-7} {name}: {row.Reason}";
        }

        string measured = row.Scenario.Length > 0
            ? $"{row.Frames} frames, p50 {Cells.Number(row.FrameP50Ms)} ms, p99 {Cells.Number(row.FrameP99Ms)} ms, {Cells.Number(row.Fps)} FPS"
            : row.FrameMs is double ms ? $"{Cells.Number(ms)} ms/frame"
            : row.MeanMs is double mean ? $"{Cells.Number(mean)} ms"
            : string.Empty;
        string verdict = row.Verdict == "invalid" ? $" INVALID: {row.Diagnosis}" : string.Empty;
        return $"{row.Status,-7} {name}  {measured}{verdict}";
    }

    private void Redraw()
    {
        if (!_console.IsTerminal)
        {
            return;
        }

        string status;
        lock (_lock)
        {
            if (_current is null)
            {
                return;
            }

            TimeSpan running = _elapsed.Elapsed - _currentStarted;
            status = $"{Position(_durations.Count + 1)}  {RunSummary.ShortName(CaseIdentity.Of(_current).FullName)} ({Format(running)})";
        }

        _console.SetStatus(status);
    }

    /// <summary>Sum of the expected durations of the cases not finished yet; null until one has finished.</summary>
    private TimeSpan? Remaining()
    {
        if (_durations.Count == 0)
        {
            return null;
        }

        double overall = _durations.Values.Average(d => d.TotalSeconds);
        var byMethod = _durations.GroupBy(d => Key(d.Key, withMethod: true)).ToDictionary(g => g.Key, g => g.Average(d => d.Value.TotalSeconds));
        var byType = _durations.GroupBy(d => Key(d.Key, withMethod: false)).ToDictionary(g => g.Key, g => g.Average(d => d.Value.TotalSeconds));
        double seconds = 0;
        foreach (BenchmarkCase benchmarkCase in _cases)
        {
            if (_durations.ContainsKey(benchmarkCase))
            {
                continue;
            }

            seconds += byMethod.TryGetValue(Key(benchmarkCase, withMethod: true), out double m) ? m
                : byType.TryGetValue(Key(benchmarkCase, withMethod: false), out double t) ? t
                : overall;
        }

        if (_current is not null)
        {
            seconds -= Math.Min((_elapsed.Elapsed - _currentStarted).TotalSeconds, seconds);
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static string Key(BenchmarkCase benchmarkCase, bool withMethod) =>
        withMethod
            ? $"{benchmarkCase.Descriptor.Type.FullName}.{benchmarkCase.Descriptor.WorkloadMethod.Name}"
            : benchmarkCase.Descriptor.Type.FullName ?? string.Empty;

    internal static string Format(TimeSpan span) =>
        span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m")
            : span.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds:00}s")
                : string.Create(CultureInfo.InvariantCulture, $"{span.Seconds}s");
}
