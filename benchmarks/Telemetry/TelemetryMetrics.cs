using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>
/// The metrics every telemetry diagnoser emits. BenchmarkDotNet turns each into a column (MetricsColumnProvider);
/// <see cref="TelemetryRowValues"/> reads them back from <see cref="BenchmarkReport.Metrics"/> by <c>Id</c> for
/// edgebench.csv. A metric a case could not measure is not emitted, so its cell shows "-" (empty in the CSV).
/// </summary>
internal static class TelemetryMetrics
{
    public static readonly IMetricDescriptor Power = new Descriptor("Telemetry.PowerW", "Power [W]",
        "Average board power (tegrastats input rail, nvidia-smi GPU board power) over the measured iterations, time-weighted", "0.000", lowerIsBetter: true, 100);

    public static readonly IMetricDescriptor EnergyPerFrame = new Descriptor("Telemetry.EnergyPerFrameMj", "Energy/frame [mJ]",
        "Average power x measured time / frames (one operation = one batch of Batch frames; per operation where a case processes no frames)", "0.000", lowerIsBetter: true, 101);

    public static readonly IMetricDescriptor GpuUtil = new Descriptor("Telemetry.GpuUtilPct", "GPU [%]",
        "Mean GPU utilisation over the measured iterations, time-weighted", "0.0", lowerIsBetter: false, 102);

    public static readonly IMetricDescriptor CpuUtil = new Descriptor("Telemetry.CpuUtilPct", "CPU [%]",
        "Mean CPU utilisation of all online cores over the measured iterations, time-weighted", "0.0", lowerIsBetter: false, 103);

    public static readonly IMetricDescriptor RamUsed = new Descriptor("Telemetry.RamUsedMb", "RAM [MB]",
        "Peak host RAM in use (whole machine) during the measured iterations", "0", lowerIsBetter: true, 104);

    public static readonly IMetricDescriptor MaxTemperature = new Descriptor("Telemetry.MaxTempC", "Max temp [C]",
        "Hottest sensor during the measured iterations", "0.0", lowerIsBetter: true, 105);

    public static readonly IMetricDescriptor Throttled = new Descriptor("Telemetry.Throttled", "Throttled",
        "1 when any sample reported thermal or power throttling, 0 when none did (absent when the source cannot tell)", "0", lowerIsBetter: true, 106);

    public static readonly IMetricDescriptor Samples = new Descriptor("Telemetry.Samples", "Samples",
        "Telemetry samples taken during the measured iterations: too few (power needs 2) means the window was too short", "0", lowerIsBetter: false, 107);

    public static readonly IMetricDescriptor GpuMemoryUsed = new Descriptor("Telemetry.GpuMemUsedMb", "GPU mem [MB]",
        "Peak device memory in use (nvidia-smi memory.used, every GPU) during the measured iterations", "0", lowerIsBetter: true, 108);

    public static IReadOnlyList<IMetricDescriptor> All { get; } = [Power, EnergyPerFrame, GpuUtil, CpuUtil, RamUsed, MaxTemperature, Throttled, Samples, GpuMemoryUsed];

    // Priorities from 100: after BenchmarkDotNet's own metric columns (Allocated), in the order above.
    // Dimensionless with the unit in the display name: BenchmarkDotNet only scales and suffixes Time and Size units.
    private sealed class Descriptor(string id, string displayName, string legend, string numberFormat, bool lowerIsBetter, int priority) : IMetricDescriptor
    {
        public string Id => id;

        public string DisplayName => displayName;

        public string Legend => legend;

        public string NumberFormat => numberFormat;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Unit => string.Empty;

        public bool TheGreaterTheBetter => !lowerIsBetter;

        public int PriorityInCategory => priority;

        public bool GetIsAvailable(Metric metric) => true;
    }
}
