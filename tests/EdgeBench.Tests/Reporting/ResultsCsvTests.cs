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
        MeanMs = 1234.5678901234,
        MedianMs = 1200.25,
        P90Ms = 1300.5,
        P99Ms = 1310.75,
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
            Assert.Contains("1234.5678901234", File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
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
        File.WriteAllText(path, File.ReadAllText(path).Replace("1200.25", "12x00", StringComparison.Ordinal));

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
