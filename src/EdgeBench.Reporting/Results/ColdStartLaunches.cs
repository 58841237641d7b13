using System.Globalization;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Results;

/// <summary>
/// <c>cold-start-launches.csv</c>: every launch of every cold-start row (<c>benchmark,launch,ms</c>), so that
/// <c>diff</c> compares cold starts launch by launch, as it compares scenarios frame by frame, instead of
/// BenchmarkDotNet's one invocation that started them all.
/// </summary>
public static class ColdStartLaunches
{
    public const string FileName = "cold-start-launches.csv";

    private static readonly string[] s_columns = ["benchmark", "launch", "ms"];

    /// <summary>Writes the launches of each cold-start row, by its benchmark name.</summary>
    public static void Write(string runDirectory, IEnumerable<(string Benchmark, IReadOnlyList<double> Milliseconds)> rows) =>
        CsvTable.Write(Path.Combine(runDirectory, FileName), s_columns, rows.SelectMany(r => r.Milliseconds.Select((ms, i) => (IReadOnlyList<string>)
            [r.Benchmark, (i + 1).ToString(CultureInfo.InvariantCulture), ms.ToString("R", CultureInfo.InvariantCulture)])));

    /// <summary>Each cold-start row's launches in ms, by benchmark name; empty when the run has no such file.</summary>
    public static IReadOnlyDictionary<string, double[]> Read(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path))
        {
            return new Dictionary<string, double[]>(StringComparer.Ordinal);
        }

        CsvTable table = CsvTable.Read(path, "a cold-start-launches.csv (one row per cold-start launch)", s_columns);
        return table.Rows
            .GroupBy(r => table.Get(r, "benchmark"), StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.Select(r => table.GetNumber(r, "ms") ?? throw new InvalidDataException($"{path}: {g.Key}: a launch without ms")).ToArray(),
                StringComparer.Ordinal);
    }
}
