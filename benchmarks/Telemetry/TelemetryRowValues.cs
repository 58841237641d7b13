using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>
/// Fills edgebench.csv's telemetry columns of a measured case from the metrics the diagnoser emitted
/// (<see cref="BenchmarkReport.Metrics"/>), and its <c>notes</c> with the source, the sample count and, when
/// figures are missing or doubtful, why. <c>reason</c> stays the case's status reason (failed/skipped): a case
/// without telemetry is still a measured case, so the telemetry explanation belongs in <c>notes</c>.
/// </summary>
internal static class TelemetryRowValues
{
    public static ResultRow Apply(ResultRow row, BenchmarkCase benchmarkCase, BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(report);
        double? Value(IMetricDescriptor descriptor) =>
            report.Metrics.TryGetValue(descriptor.Id, out Metric? metric) ? metric.Value : null;

        TelemetryCaseResult? result = TelemetryCaseResults.For(benchmarkCase);
        string notes = result is null
            ? row.Notes
            : string.IsNullOrEmpty(row.Notes) ? result.Note : row.Notes + "; " + result.Note;
        return row with
        {
            PowerW = Value(TelemetryMetrics.Power),
            EnergyMj = Value(TelemetryMetrics.EnergyPerFrame),
            GpuUtilPct = Value(TelemetryMetrics.GpuUtil),
            CpuUtilPct = Value(TelemetryMetrics.CpuUtil),
            RamMb = Value(TelemetryMetrics.RamUsed),
            MaxTempC = Value(TelemetryMetrics.MaxTemperature),
            Throttled = Value(TelemetryMetrics.Throttled) is { } throttled ? throttled != 0 : null,
            GpuMemMb = Value(TelemetryMetrics.GpuMemoryUsed),
            Notes = notes,
        };
    }
}
