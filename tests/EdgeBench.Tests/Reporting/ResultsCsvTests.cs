using System.Globalization;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Tests.Reporting;

public sealed class ResultsCsvTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-csv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly ResultRow s_measured = new()
    {
        Benchmark = "EdgeBench.Benchmarks.Pipeline.SsdBenchmarks.EndToEnd(Model: ssd300, Precision: fp16, Batch: 4, Backend: ort-cpu)",
        Model = "ssd300",
        Stage = "end-to-end",
        Precision = "fp16",
        Batch = 4,
        Backend = "onnxruntime",
        Ep = "cpu",
        MeanMs = 1235,
        MedianMs = 1200,
        P90Ms = 1301,
        P99Ms = 0.0001311,
        Fps = 3.24,
        PowerW = 5.5,
        Throttled = false,
        Iterations = 8,
        AllocatedBytesPerOp = 0,
        Notes = "candidates, with \"quotes\"",
    };

    private static readonly ResultRow s_skipped = new()
    {
        Benchmark = "X.Y(Model: a)",
        Model = "a",
        Stage = "inference",
        Precision = "fp32",
        Batch = 1,
        Backend = "onnxruntime",
        Ep = "cuda",
        Status = CaseStatus.Skipped,
        Reason = "CUDAExecutionProvider is not in this build",
    };

    [Theory]
    [InlineData("")]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Rows_round_trip_in_any_culture(string culture)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            string path = Path.Combine(_directory, "edgebench.csv");

            ResultsCsv.Write(path, [s_measured, s_skipped]);

            Assert.Equal([s_measured, s_skipped], ResultsCsv.Read(path));
            Assert.Contains("1235,1200,1301,0.0001311,3.24,5.5,", File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void A_camera_rows_frame_rate_is_the_last_column_and_round_trips()
    {
        // Appended after the other columns: the first 21 are a contract, and older files (without it) still read.
        string path = Path.Combine(_directory, "edgebench.csv");
        ResultRow camera = s_measured with { Stage = "end-to-end-camera", Scenario = "camera", CameraFps = 29.97 };

        ResultsCsv.Write(path, [camera, s_skipped]);

        Assert.Equal("camera_fps", ResultsCsv.ColumnNames[^1]);
        Assert.Equal([camera, s_skipped], ResultsCsv.Read(path));
        Assert.EndsWith(",29.97", File.ReadAllLines(path)[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_are_written_as_people_read_them()
    {
        // Measured values (watts too) keep 4 significant digits; percentages, degrees and megabytes one decimal.
        ResultRow row = s_measured with
        {
            MeanMs = 1234.5678901234, MedianMs = 0.000123456789, P90Ms = 123456789.0, P99Ms = -2.71828, Fps = 99.99999,
            CpuUtilPct = 99.44622507161962, PowerW = 149.25, MaxTempC = 45, RamMb = 123456.789, CovPct = 0.04, // RAM: 6 digits at most
            AllocatedBytesPerOp = 7_857_197,
        };
        string path = Path.Combine(_directory, "edgebench.csv");

        ResultsCsv.Write(path, [row]);

        ResultRow read = Assert.Single(ResultsCsv.Read(path));
        Assert.Equal([1235, 0.0001235, 123500000, -2.718, 100], [read.MeanMs!.Value, read.MedianMs!.Value, read.P90Ms!.Value, read.P99Ms!.Value, read.Fps!.Value]);
        Assert.Equal([99.4, 149.3, 45, 123457, 0], [read.CpuUtilPct!.Value, read.PowerW!.Value, read.MaxTempC!.Value, read.RamMb!.Value, read.CovPct!.Value]);
        Assert.Equal(7_857_200, read.AllocatedBytesPerOp);
        // No cell of the file has more than 6 significant digits, whatever the value.
        string[] cells = File.ReadAllLines(path)[1].Split(',');
        Assert.All(cells.Where(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _)),
            cell => Assert.True(SignificantDigits(cell) <= 6, $"{cell} has more than 6 significant digits"));
    }

    [Theory]
    [InlineData(0.0, 4, 0.0)]
    [InlineData(1.23449, 4, 1.234)]
    [InlineData(1.2345, 4, 1.235)] // half away from zero
    [InlineData(-1.2345, 4, -1.235)]
    [InlineData(9.99996, 4, 10.0)]
    [InlineData(1.23456789e-20, 3, 1.23e-20)]
    [InlineData(9.87654321e20, 2, 9.9e20)]
    public void Significant_rounds_to_the_given_digits(double value, int digits, double expected) =>
        Assert.Equal(expected, ResultsCsv.Significant(value, digits));

    private static int SignificantDigits(string cell)
    {
        string mantissa = cell.Split('E', 'e')[0].TrimStart('-').Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0');
        return cell.Contains('.', StringComparison.Ordinal) || cell.Contains('E', StringComparison.OrdinalIgnoreCase)
            ? mantissa.Length
            : mantissa.TrimEnd('0').Length;
    }

    [Fact]
    public void Header_starts_with_the_contract_columns()
    {
        string path = Path.Combine(_directory, "edgebench.csv");
        ResultsCsv.Write(path, []);

        Assert.StartsWith(
            "benchmark,model,stage,precision,batch,backend,ep,status,reason,mean_ms,median_ms,p90_ms,p99_ms,fps," +
            "power_w,energy_mj,gpu_util_pct,cpu_util_pct,ram_mb,max_temp_c,throttled",
            File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Append_writes_the_header_once()
    {
        string path = Path.Combine(_directory, "partial.csv");

        ResultsCsv.Append(path, s_measured);
        ResultsCsv.Append(path, s_skipped);

        Assert.Equal([s_measured, s_skipped], ResultsCsv.Read(path));
        Assert.Single(File.ReadLines(path), l => l.StartsWith("benchmark,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("benchmark,model\nx,y\n", "missing column(s)")]
    [InlineData("", "missing column(s)")]
    public void Malformed_files_name_the_file_and_the_problem(string content, string expected)
    {
        string path = Path.Combine(_directory, "bad.csv");
        File.WriteAllText(path, content);

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_number_names_the_row_and_column()
    {
        string path = Path.Combine(_directory, "bad.csv");
        ResultsCsv.Write(path, [s_measured]);
        File.WriteAllText(path, File.ReadAllText(path).Replace(",1200,", ",12x00,", StringComparison.Ordinal));

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(path));

        Assert.Contains("median_ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        string path = Path.Combine(_directory, "nope.csv");

        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(path)).Message, StringComparison.Ordinal);
    }
}
