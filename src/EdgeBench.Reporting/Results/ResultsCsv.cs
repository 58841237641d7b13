using System.Globalization;
using CsvHelper;

namespace EdgeBench.Reporting.Results;

/// <summary>
/// Reads and writes <c>edgebench.csv</c>: RFC 4180, comma separated, LF line endings, a header row, snake_case
/// column names in a fixed order, numbers in the invariant culture rounded to what a reader can use (at most 6
/// significant digits: <see cref="Significant"/>), empty = not measured.
/// </summary>
/// <remarks>
/// The columns are listed once, in <see cref="s_columns"/>: name, how a row's value is written, and how it is read
/// back. Readers look columns up by name, so a file with extra (newer) columns still reads.
/// </remarks>
public static class ResultsCsv
{
    public const string FileName = "edgebench.csv";

    private static readonly CsvWriterOptions s_writerOptions = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        FormatProvider = CultureInfo.InvariantCulture,
    };

    private static readonly CsvReaderOptions s_readerOptions = CsvReaderOptions.Default with
    {
        FormatProvider = CultureInfo.InvariantCulture,
    };

    private sealed record Column(string Name, Func<ResultRow, string> Write, Func<ResultRow, string, ResultRow> Read);

    private static readonly Column[] s_columns =
    [
        Text("benchmark", r => r.Benchmark, (r, v) => r with { Benchmark = v }),
        Text("model", r => r.Model, (r, v) => r with { Model = v }),
        Text("stage", r => r.Stage, (r, v) => r with { Stage = v }),
        Text("precision", r => r.Precision, (r, v) => r with { Precision = v }),
        new("batch", r => r.Batch.ToString(CultureInfo.InvariantCulture), (r, v) => r with { Batch = int.Parse(v, CultureInfo.InvariantCulture) }),
        Text("backend", r => r.Backend, (r, v) => r with { Backend = v }),
        Text("ep", r => r.Ep, (r, v) => r with { Ep = v }),
        Text("status", r => r.Status, (r, v) => r with { Status = v }),
        Text("reason", r => r.Reason, (r, v) => r with { Reason = v }),
        Number("mean_ms", r => r.MeanMs, (r, v) => r with { MeanMs = v }),
        Number("median_ms", r => r.MedianMs, (r, v) => r with { MedianMs = v }),
        Number("p90_ms", r => r.P90Ms, (r, v) => r with { P90Ms = v }),
        Number("p99_ms", r => r.P99Ms, (r, v) => r with { P99Ms = v }),
        Number("fps", r => r.Fps, (r, v) => r with { Fps = v }),
        Number("power_w", r => r.PowerW, (r, v) => r with { PowerW = v }),
        Number("energy_mj", r => r.EnergyMj, (r, v) => r with { EnergyMj = v }),
        Tenths("gpu_util_pct", r => r.GpuUtilPct, (r, v) => r with { GpuUtilPct = v }),
        Tenths("cpu_util_pct", r => r.CpuUtilPct, (r, v) => r with { CpuUtilPct = v }),
        Tenths("ram_mb", r => r.RamMb, (r, v) => r with { RamMb = v }),
        Tenths("max_temp_c", r => r.MaxTempC, (r, v) => r with { MaxTempC = v }),
        new("throttled", r => r.Throttled switch { true => "true", false => "false", null => string.Empty },
            (r, v) => r with { Throttled = v.Length == 0 ? null : bool.Parse(v) }),
        Number("frame_ms", r => r.FrameMs, (r, v) => r with { FrameMs = v }),
        Number("stddev_ms", r => r.StdDevMs, (r, v) => r with { StdDevMs = v }),
        Number("ci999_lower_ms", r => r.Ci999LowerMs, (r, v) => r with { Ci999LowerMs = v }),
        Number("ci999_upper_ms", r => r.Ci999UpperMs, (r, v) => r with { Ci999UpperMs = v }),
        new("iterations", r => r.Iterations?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            (r, v) => r with { Iterations = v.Length == 0 ? null : int.Parse(v, CultureInfo.InvariantCulture) }),
        // Bytes per operation keep 6 significant digits like every number here: 0 (the allocation-free claim) stays
        // exact, a 7,857,197-byte call reads 7857200.
        new("allocated_bytes_per_op", r => r.AllocatedBytesPerOp is long bytes
                ? ((long)Significant(bytes, MaxSignificantDigits)).ToString(CultureInfo.InvariantCulture)
                : string.Empty,
            (r, v) => r with { AllocatedBytesPerOp = v.Length == 0 ? null : long.Parse(v, CultureInfo.InvariantCulture) }),
        Number("mb_per_s", r => r.MegabytesPerSecond, (r, v) => r with { MegabytesPerSecond = v }),
        Number("ratio_to_baseline", r => r.RatioToBaseline, (r, v) => r with { RatioToBaseline = v }),
        Text("notes", r => r.Notes, (r, v) => r with { Notes = v }),
        Text("scenario", r => r.Scenario, (r, v) => r with { Scenario = v }),
        new("frames", r => r.Frames?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            (r, v) => r with { Frames = v.Length == 0 ? null : int.Parse(v, CultureInfo.InvariantCulture) }),
        Number("frame_p50_ms", r => r.FrameP50Ms, (r, v) => r with { FrameP50Ms = v }),
        Number("frame_p90_ms", r => r.FrameP90Ms, (r, v) => r with { FrameP90Ms = v }),
        Number("frame_p99_ms", r => r.FrameP99Ms, (r, v) => r with { FrameP99Ms = v }),
        Number("frame_p999_ms", r => r.FrameP999Ms, (r, v) => r with { FrameP999Ms = v }),
        Number("early_stop_p90_ms", r => r.EarlyStopP90Ms, (r, v) => r with { EarlyStopP90Ms = v }),
        Number("early_stop_p99_ms", r => r.EarlyStopP99Ms, (r, v) => r with { EarlyStopP99Ms = v }),
        Tenths("dropped_pct", r => r.DroppedPct, (r, v) => r with { DroppedPct = v }),
        Tenths("deadline_miss_pct", r => r.DeadlineMissPct, (r, v) => r with { DeadlineMissPct = v }),
        Tenths("cov_pct", r => r.CovPct, (r, v) => r with { CovPct = v }),
        Text("verdict", r => r.Verdict, (r, v) => r with { Verdict = v }),
        Text("diagnosis", r => r.Diagnosis, (r, v) => r with { Diagnosis = v }),
        Text("frame_trace", r => r.FrameTrace, (r, v) => r with { FrameTrace = v }),
        Number("achieved_gflops", r => r.AchievedGflops, (r, v) => r with { AchievedGflops = v }),
        Number("peak_pct", r => r.PeakPct, (r, v) => r with { PeakPct = v }),
        Tenths("peak_rss_mb", r => r.PeakRssMb, (r, v) => r with { PeakRssMb = v }),
        Tenths("model_rss_mb", r => r.ModelRssMb, (r, v) => r with { ModelRssMb = v }),
        Tenths("model_file_mb", r => r.ModelFileMb, (r, v) => r with { ModelFileMb = v }),
        Tenths("gpu_mem_mb", r => r.GpuMemMb, (r, v) => r with { GpuMemMb = v }),
        Number("max_ms", r => r.MaxMs, (r, v) => r with { MaxMs = v }),
        Number("camera_fps", r => r.CameraFps, (r, v) => r with { CameraFps = v }),
    ];

    /// <summary>The column names in file order; the first 21 are the design's contract.</summary>
    public static IReadOnlyList<string> ColumnNames { get; } = s_columns.Select(c => c.Name).ToArray();

    /// <summary>Writes all rows to <paramref name="path"/> through a temporary file, so readers never see half a file.</summary>
    public static void Write(string path, IEnumerable<ResultRow> rows)
    {
        string temporary = path + ".tmp";
        using (FileStream stream = File.Create(temporary))
        using (CsvWriter csv = CsvWriter.Create(stream, s_writerOptions, false))
        {
            csv.WriteHeader([.. ColumnNames]);
            foreach (ResultRow row in rows)
            {
                csv.WriteRecord(Format(row));
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Appends one row, with the header first when the file is new: a crash-safe log of finished cases.</summary>
    public static void Append(string path, ResultRow row)
    {
        bool isNew = !File.Exists(path) || new FileInfo(path).Length == 0;
        using FileStream stream = new(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using CsvWriter csv = CsvWriter.Create(stream, s_writerOptions, false);
        if (isNew)
        {
            csv.WriteHeader([.. ColumnNames]);
        }

        csv.WriteRecord(Format(row));
    }

    /// <summary>Reads every row; a malformed file raises <see cref="InvalidDataException"/> naming it and the row.</summary>
    public static IReadOnlyList<ResultRow> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: file not found; expected an {FileName} written by the benchmark program.");
        }

        var rows = new List<ResultRow>();
        using CsvReader csv = CsvReader.FromFile(path, s_readerOptions, FileOptions.SequentialScan);
        int[] indexes;
        try
        {
            csv.ReadHeader();
            string[] headers = [.. csv.Headers];
            string[] missing = s_columns.Take(21).Select(c => c.Name).Except(headers).ToArray();
            if (missing.Length > 0)
            {
                throw new InvalidDataException($"{path}: missing column(s) {string.Join(", ", missing)}; is this an {FileName}?");
            }

            indexes = s_columns.Select(c => Array.IndexOf(headers, c.Name)).ToArray();
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{path}: not a valid {FileName} (header: {e.Message})", e);
        }

        while (ReadRecord(csv, path))
        {
            var row = new ResultRow();
            for (int i = 0; i < s_columns.Length; i++)
            {
                if (indexes[i] < 0)
                {
                    continue;
                }

                string value = csv.GetString(indexes[i]);
                try
                {
                    row = s_columns[i].Read(row, value);
                }
                catch (FormatException e)
                {
                    throw new InvalidDataException($"{path}: row {csv.RowNumber}, column {s_columns[i].Name}: '{value}' is not a valid value", e);
                }
            }

            rows.Add(row);
        }

        return rows;
    }

    private static bool ReadRecord(CsvReader csv, string path)
    {
        try
        {
            return csv.Read();
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{path}: not a valid {FileName} (line {e.LineNumber}: {e.Message})", e);
        }
    }

    private static string[] Format(ResultRow row) => s_columns.Select(c => c.Write(row)).ToArray();

    private static Column Text(string name, Func<ResultRow, string> get, Func<ResultRow, string, ResultRow> set) => new(name, get, set);

    /// <summary>
    /// Significant digits of a measured number (times, FPS, MB/s, energy, ratios): 0.1% resolution at worst, finer
    /// than the run-to-run spread of any of them (a percent or more on a quiet machine). The raw samples stay in
    /// BenchmarkDotNet's full JSON and the frame traces, which is what diff reads.
    /// </summary>
    public const int SignificantDigits = 4;

    /// <summary>
    /// The most significant digits any number keeps: percentages, degrees and megabytes (one decimal) and byte counts.
    /// Watts are a measured number (4 digits): a Raspberry Pi draws about 3 W, where one decimal would be a 3% step.
    /// </summary>
    public const int MaxSignificantDigits = 6;

    private static Column Number(string name, Func<ResultRow, double?> get, Func<ResultRow, double?, ResultRow> set) =>
        new(name,
            r => get(r) is double d ? Significant(d, SignificantDigits).ToString("R", CultureInfo.InvariantCulture) : string.Empty,
            (r, v) => set(r, ParseNumber(v)));

    private static Column Tenths(string name, Func<ResultRow, double?> get, Func<ResultRow, double?, ResultRow> set) =>
        new(name,
            r => get(r) is double d
                ? Significant(Math.Round(d, 1, MidpointRounding.AwayFromZero), MaxSignificantDigits).ToString("R", CultureInfo.InvariantCulture)
                : string.Empty,
            (r, v) => set(r, ParseNumber(v)));

    private static double? ParseNumber(string text) =>
        text.Length == 0 ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="value"/> rounded to <paramref name="digits"/> significant digits (half away from zero). The
    /// result is the double nearest that decimal, so its shortest round-trip text has at most that many digits.
    /// </summary>
    public static double Significant(double value, int digits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 1);
        if (value == 0 || double.IsNaN(value) || double.IsInfinity(value))
        {
            return value;
        }

        int decimals = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        if (decimals is >= 0 and <= 15)
        {
            return Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        }

        // Beyond Math.Round's 0..15 decimals: go through the decimal text, which rounds the same way.
        return double.Parse(value.ToString("E" + (digits - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
