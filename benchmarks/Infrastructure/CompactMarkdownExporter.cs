using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// BenchmarkDotNet's GitHub Markdown report without what only fills space in EdgeBench's joined summary: the blank
/// separator row after every logical group, the rows of cases that did not run (all NA: edgebench.csv has them with
/// their reasons) and columns no row has a value in (e.g. Ratio where no baseline shares the group).
/// </summary>
internal sealed class CompactMarkdownExporter : ExporterBase
{
    public static readonly CompactMarkdownExporter Instance = new();

    protected override string FileExtension => "md";

    protected override string FileNameSuffix => "-github";

    public override void ExportToLog(Summary summary, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var buffer = new AccumulationLogger();
        MarkdownExporter.GitHub.ExportToLog(summary, buffer);
        foreach (string line in Compact(buffer.GetLog().Split('\n')))
        {
            logger.WriteLine(line.TrimEnd('\r'));
        }
    }

    /// <summary>The text with every Markdown table compacted; other lines unchanged.</summary>
    internal static IEnumerable<string> Compact(IReadOnlyList<string> lines)
    {
        var table = new List<string>();
        foreach (string line in lines)
        {
            if (line.StartsWith('|'))
            {
                table.Add(line);
                continue;
            }

            foreach (string row in CompactTable(table))
            {
                yield return row;
            }

            table.Clear();
            yield return line;
        }

        foreach (string row in CompactTable(table))
        {
            yield return row;
        }
    }

    /// <summary>A pipe table (header, separator, rows) without empty rows, NA rows and columns that hold nothing.</summary>
    private static IEnumerable<string> CompactTable(List<string> table)
    {
        if (table.Count < 2)
        {
            return table;
        }

        List<string[]> cells = table.Select(Cells).ToList();
        string[] header = cells[0];
        int mean = Array.FindIndex(header, h => h.Trim() == "Mean");
        List<string[]> rows = cells.Skip(2)
            .Where(r => r.Any(c => c.Trim().Length > 0))
            .Where(r => mean < 0 || mean >= r.Length || r[mean].Trim() != "NA")
            .ToList();
        int[] kept = Enumerable.Range(0, header.Length)
            .Where(i => rows.Count == 0 || rows.Any(r => i < r.Length && !IsNothing(r[i])))
            .ToArray();
        return new[] { header, cells[1] }.Concat(rows)
            .Select(r => "|" + string.Join('|', kept.Where(i => i < r.Length).Select(i => r[i])) + "|");
    }

    private static bool IsNothing(string cell) => cell.Trim() is "" or "?" or "NA" or "-";

    /// <summary>The cells between the outer pipes (BenchmarkDotNet escapes none inside a cell).</summary>
    private static string[] Cells(string line)
    {
        string inner = line.Trim();
        inner = inner.Length >= 2 ? inner[1..^1] : string.Empty;
        return inner.Split('|');
    }
}
