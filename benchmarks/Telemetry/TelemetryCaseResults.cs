using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Running;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Telemetry;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>What a diagnoser found for one case: the figures (also emitted as metrics) and, above all, why some are
/// missing, which a <see cref="BenchmarkDotNet.Reports.Metric"/> cannot carry.</summary>
/// <param name="Source">tegrastats, nvidia-smi or linux.</param>
/// <param name="SampleCount">Readings in the window.</param>
/// <param name="Reason">Why figures are missing or doubtful (tool missing, exited early, garbage, killed on stop,
/// too few samples); null when all is well.</param>
/// <param name="Summary">The window's summary; null when there was no window.</param>
/// <param name="EnergyPerFrameMj">Energy per operation divided by the frames an operation processes.</param>
internal sealed record TelemetryCaseResult(string Source, int SampleCount, string? Reason, TelemetryWindowSummary? Summary, double? EnergyPerFrameMj)
{
    /// <summary>How the tool's run ended; null without a window.</summary>
    public TelemetryOutcome? Outcome { get; init; }

    /// <summary>The window's readings (a sustained run lays them out per second beside its frames).</summary>
    public IReadOnlyList<TelemetryReading> Readings { get; init; } = [];

    /// <summary>The Stopwatch timestamp the readings' times count from (<see cref="ITelemetrySampler.StartTimestamp"/>).</summary>
    public long StartTimestamp { get; init; }

    /// <summary>The raw samples file, relative to the run folder (<c>telemetry/….csv</c>); null when none was written.</summary>
    public string? RawFile { get; init; }

    /// <summary>What the power covers when the source's name does not say it (<see cref="ITelemetrySampler.PowerCoverage"/>).</summary>
    public string? PowerCoverage { get; init; }

    /// <summary>The <c>notes</c> text of edgebench.csv: <c>telemetry: SOURCE, N samples</c>, the power's coverage in
    /// brackets where the source states one, then the reason if any (on one line: a tool's stderr tail can span
    /// several).</summary>
    public string Note => string.Create(CultureInfo.InvariantCulture,
        $"telemetry: {Source}, {SampleCount} sample{(SampleCount == 1 ? "" : "s")}{(PowerCoverage is null ? "" : " (" + PowerCoverage + ")")}{(Reason is null ? "" : ": " + Reason.ReplaceLineEndings(" "))}");
}

/// <summary>
/// The per-case telemetry results of the current run, keyed by the case's full name. The diagnoser fills it in
/// ProcessResults (which BenchmarkDotNet calls in the host for every toolchain); the CSV rows read it. Cleared
/// when a config is created, like <see cref="CaseOutcomes"/>.
/// </summary>
internal static class TelemetryCaseResults
{
    private static readonly ConcurrentDictionary<string, TelemetryCaseResult> s_results = new(StringComparer.Ordinal);

    public static void Clear() => s_results.Clear();

    public static void Set(BenchmarkCase benchmarkCase, TelemetryCaseResult result) => s_results[CaseIdentity.NameOf(benchmarkCase)] = result;

    public static TelemetryCaseResult? For(BenchmarkCase benchmarkCase) =>
        s_results.TryGetValue(CaseIdentity.NameOf(benchmarkCase), out TelemetryCaseResult? result) ? result : null;
}
