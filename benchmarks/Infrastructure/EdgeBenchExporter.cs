using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// Writes <c>edgebench.csv</c> into the run folder: one row per case, measured, failed (with the reason) or skipped
/// (with the reason). Replaces the incremental file <see cref="IncrementalResults"/> kept while the run went on.
/// </summary>
internal sealed class EdgeBenchExporter(string runDirectory) : IExporter
{
    public string Name => nameof(EdgeBenchExporter);

    public void ExportToLog(Summary summary, ILogger logger)
    {
    }

    public IEnumerable<string> ExportToFiles(Summary summary, ILogger consoleLogger)
    {
        ArgumentNullException.ThrowIfNull(summary);
        IReadOnlyList<ResultRow> rows = Rows(summary, runDirectory);
        string path = Path.Combine(runDirectory, ResultsCsv.FileName);
        ResultsCsv.Write(path, rows);
        File.Delete(Path.Combine(runDirectory, IncrementalResults.FileName));
        if (ColdStartSamples(summary, runDirectory).ToArray() is { Length: > 0 } launches)
        {
            ColdStartLaunches.Write(runDirectory, launches);
            return [path, Path.Combine(runDirectory, ColdStartLaunches.FileName)];
        }

        return [path];
    }

    /// <summary>Each measured cold-start case's launches (ms), by the benchmark name of its row.</summary>
    private static IEnumerable<(string Benchmark, IReadOnlyList<double> Milliseconds)> ColdStartSamples(Summary summary, string runDirectory)
    {
        foreach (BenchmarkCase benchmarkCase in summary.BenchmarksCases)
        {
            CaseIdentity id = CaseIdentity.Of(benchmarkCase);
            if (id.IsColdStart && summary[benchmarkCase]?.Success == true
                && ColdStartRecords.For(id.SetupKey, runDirectory)?.Stages.GetValueOrDefault(id.StageRow[(Categories.ColdStart.Length + 1)..]) is { } statistic)
            {
                yield return (id.FullName, statistic.Samples);
            }
        }
    }

    /// <summary>Rows of every case of the summary, in the summary's order.</summary>
    public static IReadOnlyList<ResultRow> Rows(Summary summary, string? runDirectory)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var rows = new List<ResultRow>();
        foreach (BenchmarkCase benchmarkCase in summary.BenchmarksCases)
        {
            BenchmarkCase? baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
            rows.Add(ResultRows.From(benchmarkCase, summary[benchmarkCase], baseline is null ? null : summary[baseline], runDirectory));
        }

        return rows;
    }
}

/// <summary>
/// Appends each case's row to <c>edgebench.partial.csv</c> as soon as the case ends, so a run that is killed or
/// crashes keeps every result it measured. The exporter's full file replaces it at the end.
/// </summary>
internal sealed class IncrementalResults(string runDirectory) : BenchmarkDotNet.EventProcessors.EventProcessor
{
    public const string FileName = "edgebench.partial.csv";

    public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report)
    {
        ResultsCsv.Append(Path.Combine(runDirectory, FileName), ResultRows.From(benchmarkCase, report, baseline: null, runDirectory));
    }
}
