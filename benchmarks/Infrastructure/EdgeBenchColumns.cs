using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Per-frame time, FPS and preprocess throughput as summary columns. BenchmarkDotNet 0.15.8 takes
/// OperationsPerInvoke only as a compile-time attribute value, so it cannot follow the Batch parameter; these
/// columns divide by the batch instead (the Mean column stays per call, i.e. per batch).
/// </summary>
internal sealed class FrameColumn(FrameColumn.Kind kind) : IColumn
{
    public enum Kind
    {
        FrameTime,
        Fps,
        Throughput,
    }

    public static readonly IColumn FrameTime = new FrameColumn(Kind.FrameTime);
    public static readonly IColumn Fps = new FrameColumn(Kind.Fps);
    public static readonly IColumn Throughput = new FrameColumn(Kind.Throughput);

    public string Id => $"{nameof(FrameColumn)}.{kind}";

    public string ColumnName => kind switch
    {
        Kind.FrameTime => "Frame [ms]",
        Kind.Fps => "FPS",
        _ => "MB/s",
    };

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)kind;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => kind switch
    {
        Kind.FrameTime => "Mean time per frame: Mean / Batch",
        Kind.Fps => "Frames per second: Batch / Mean",
        _ => "Model-input bytes written per second (preprocess cases)",
    };

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

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
