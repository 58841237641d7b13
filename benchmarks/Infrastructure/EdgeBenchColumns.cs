using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Per-frame time, FPS and preprocess throughput as summary columns. BenchmarkDotNet 0.15.8 takes
/// OperationsPerInvoke only as a compile-time attribute value, so it cannot follow the Batch parameter; these
/// columns divide by the batch instead (the Mean column stays per call, i.e. per batch).
/// A scenario case's one BenchmarkDotNet call is its whole measured window, so its Mean says nothing per frame: its
/// columns come from its frames instead (median latency, delivered FPS, p99, the run rules' verdict), which is what
/// the console summary should answer for it.
/// </summary>
internal sealed class FrameColumn(FrameColumn.Kind kind) : IColumn
{
    public enum Kind
    {
        FrameTime,
        Fps,
        Throughput,
        FrameP99,
        Verdict,
    }

    public static readonly IColumn FrameTime = new FrameColumn(Kind.FrameTime);
    public static readonly IColumn Fps = new FrameColumn(Kind.Fps);
    public static readonly IColumn Throughput = new FrameColumn(Kind.Throughput);
    public static readonly IColumn FrameP99 = new FrameColumn(Kind.FrameP99);
    public static readonly IColumn Verdict = new FrameColumn(Kind.Verdict);

    public string Id => $"{nameof(FrameColumn)}.{kind}";

    public string ColumnName => kind switch
    {
        Kind.FrameTime => "Frame [ms]",
        Kind.Fps => "FPS",
        Kind.FrameP99 => "Frame p99 [ms]",
        Kind.Verdict => "Verdict",
        _ => "MB/s",
    };

    // The scenario columns show only in a run that has scenario cases (BenchmarkDotNet hides a column that is not
    // always shown when every case has its default value).
    public bool AlwaysShow => kind is Kind.FrameTime or Kind.Fps or Kind.Throughput;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)kind;

    public bool IsNumeric => kind != Kind.Verdict;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => kind switch
    {
        Kind.FrameTime => "Mean time per frame: Mean / Batch; scenario cases: median frame latency",
        Kind.Fps => "Frames per second: Batch / Mean; scenario cases: frames delivered per second",
        Kind.FrameP99 => "Scenario cases: 99th percentile of frame latency (LoadGen's definition)",
        Kind.Verdict => "Scenario cases: valid when the run rules were met; edgebench.csv's diagnosis says why not, and what bounds the frame",
        _ => "Model-input bytes written per second (preprocess cases)",
    };

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) =>
        kind is Kind.FrameP99 or Kind.Verdict && CaseIdentity.Of(benchmarkCase).Scenario is null;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary[benchmarkCase]?.ResultStatistics is not { Mean: > 0 } stats)
        {
            return "-";
        }

        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        if (id.Scenario is not null)
        {
            // A scenario interrupted during its warm-up has a record but no frames: nothing to show.
            return ScenarioRecords.For(id.MethodKey, runDirectory: null) is not { Frames: > 0 } record
                ? "-"
                : kind switch
                {
                    Kind.FrameTime => record.P50Ms.ToString("F3", CultureInfo.InvariantCulture),
                    Kind.Fps => record.DeliveredFps.ToString("F1", CultureInfo.InvariantCulture),
                    Kind.FrameP99 => record.P99Ms.ToString("F3", CultureInfo.InvariantCulture),
                    Kind.Verdict => record.Valid ? "valid" : "invalid",
                    _ => "-",
                };
        }

        double meanMs = stats.Mean / 1e6;
        return kind switch
        {
            Kind.FrameTime when id.Batch > 0 => (meanMs / id.Batch).ToString("F3", CultureInfo.InvariantCulture),
            Kind.Fps when id.Batch > 0 => (id.Batch * 1000.0 / meanMs).ToString("F1", CultureInfo.InvariantCulture),
            Kind.Throughput when ResultRows.MovedBytes(benchmarkCase) is long bytes => ThroughputInfo.Format(bytes / (stats.Mean / 1e9) / 1e6),
            _ => "-",
        };
    }
}
