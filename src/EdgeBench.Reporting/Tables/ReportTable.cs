using System.Globalization;
using System.Text;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Tables;

/// <summary>
/// A finished table: the same cells go to Markdown (for git and pull requests) and CSV (for tools). Cells are
/// already formatted text; the CSV holds the unrounded numbers where <see cref="CsvRows"/> differs.
/// </summary>
public sealed record ReportTable(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows,
    IReadOnlyList<string> CsvHeaders, IReadOnlyList<IReadOnlyList<string>> CsvRows)
{
    /// <summary>A GitHub-flavoured Markdown table; text columns left, number columns right aligned.</summary>
    public string ToMarkdown()
    {
        var builder = new StringBuilder();
        builder.Append("| ").AppendJoin(" | ", Headers.Select(Escape)).Append(" |\n");
        builder.Append('|');
        for (int i = 0; i < Headers.Count; i++)
        {
            builder.Append(IsNumericColumn(i) ? " ---: |" : " --- |");
        }

        builder.Append('\n');
        foreach (IReadOnlyList<string> row in Rows)
        {
            builder.Append("| ").AppendJoin(" | ", row.Select(Escape)).Append(" |\n");
        }

        return builder.ToString();
    }

    public void WriteCsv(string path) => CsvTable.Write(path, CsvHeaders, CsvRows);

    /// <summary>A column holding a number (possibly with an x or % suffix) in some row; words like 'absent' may fill the others.</summary>
    private bool IsNumericColumn(int column) =>
        Rows.Any(r => double.TryParse(r[column].TrimEnd('x', '%'), NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal);
}

/// <summary>Number formatting shared by the tables: invariant culture, a few significant digits, fixed words for gaps.</summary>
public static class Cells
{
    /// <summary>Shown where a run did not measure something (no accuracy.csv, no power sampler).</summary>
    public const string NotMeasured = "not measured";

    /// <summary>Shown where a case exists but did not run.</summary>
    public const string Skipped = "skipped";

    public const string Failed = "failed";

    /// <summary>Three significant digits, at most three decimals: 680.1, 12.3, 0.121.</summary>
    public static string Number(double? value, string absent = NotMeasured)
    {
        if (value is not double v || double.IsNaN(v) || double.IsInfinity(v))
        {
            return absent;
        }

        double magnitude = Math.Abs(v);
        string format = magnitude >= 100 ? "F0" : magnitude >= 10 ? "F1" : magnitude >= 1 ? "F2" : "F3";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Fixed decimals (ratios, similarities).</summary>
    public static string Fixed(double? value, int decimals, string absent = NotMeasured) =>
        value is double v && !double.IsNaN(v) && !double.IsInfinity(v)
            ? v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : absent;

    /// <summary>A fraction 0..1 as a percentage: 0.985 -> 98.5%.</summary>
    public static string Percent(double? fraction, string absent = NotMeasured) =>
        fraction is double f && !double.IsNaN(f) ? (f * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : absent;

    /// <summary>Round-trip text for CSV; empty when absent.</summary>
    public static string Raw(double? value) =>
        value is double v && !double.IsNaN(v) && !double.IsInfinity(v) ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    public static string Raw(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    public static string Size(long? bytes) =>
        bytes is not long b ? NotMeasured
        : b >= 1 << 20 ? (b / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture) + " MiB"
        : (b / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB";
}
