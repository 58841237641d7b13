using BenchmarkDotNet.Mathematics;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>Turns BenchmarkDotNet's reports into edgebench.csv rows.</summary>
internal static class ResultRows
{
    private const double NanosecondsPerMillisecond = 1e6;

    /// <summary>
    /// The row of one case. Statistics are BenchmarkDotNet's over the actual workload iterations (per-iteration means
    /// of one operation: one call, i.e. one batch). <paramref name="baseline"/> (same class, category and parameters)
    /// gives the ratio.
    /// </summary>
    public static ResultRow From(BenchmarkCase benchmarkCase, BenchmarkReport? report, BenchmarkReport? baseline, string? runDirectory)
    {
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        (string backend, string ep) = BackendNames.Split(id.Backend);
        var row = new ResultRow
        {
            Benchmark = id.FullName,
            Model = id.Model,
            Stage = id.StageRow,
            Precision = id.Precision,
            Batch = id.Batch,
            Backend = backend,
            Ep = ep,
        };

        Statistics? stats = report?.ResultStatistics;
        if (report is null || !report.Success || stats is null)
        {
            CaseOutcomes.Outcome outcome = CaseOutcomes.For(id.SetupKey, runDirectory)
                ?? new CaseOutcomes.Outcome(CaseStatus.Failed, "the case produced no measurements (BenchmarkDotNet printed why on the console)");
            return row with { Status = outcome.Status, Reason = outcome.Reason };
        }

        double mean = stats.Mean / NanosecondsPerMillisecond;
        var ci = stats.ConfidenceInterval; // Perfolizer type; BenchmarkDotNet reports it at 99.9%
        double? bytesPerSecond = MovedBytes(benchmarkCase) is long bytes ? bytes / (stats.Mean / 1e9) : null;
        // Telemetry: power_w … throttled from the diagnoser's metrics; source, samples and why in notes.
        row = Telemetry.TelemetryRowValues.Apply(row, benchmarkCase, report);
        return row with
        {
            MeanMs = mean,
            MedianMs = stats.Median / NanosecondsPerMillisecond,
            P90Ms = stats.Percentiles.P90 / NanosecondsPerMillisecond,
            P99Ms = stats.Percentiles.Percentile(99) / NanosecondsPerMillisecond,
            StdDevMs = stats.StandardDeviation / NanosecondsPerMillisecond,
            Ci999LowerMs = ci.Lower / NanosecondsPerMillisecond,
            Ci999UpperMs = ci.Upper / NanosecondsPerMillisecond,
            Iterations = stats.N,
            FrameMs = id.IsFrameStage && id.Batch > 0 ? mean / id.Batch : null,
            Fps = id.IsFrameStage && id.Batch > 0 && mean > 0 ? id.Batch * 1000.0 / mean : null,
            AllocatedBytesPerOp = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase),
            MegabytesPerSecond = bytesPerSecond / 1e6,
            RatioToBaseline = baseline?.ResultStatistics is { Mean: > 0 } b && baseline != report ? stats.Mean / b.Mean : null,
        };
    }

    /// <summary>Bytes a preprocess case writes per call (the model input), for the MB/s column; null elsewhere.</summary>
    public static long? MovedBytes(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.Categories.Contains(Categories.Preprocess)
            ? ThroughputInfo.InputBytes(benchmarkCase)
            : null;
}
