using EdgeBench.Reporting.Reports;
using EdgeBench.Reporting.Runs;
using EdgeBench.Reporting.Tables;

namespace EdgeBench.Tests.Reporting;

public sealed class PrecisionTableTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-precision-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IReadOnlyList<PrecisionRow> Build(string run) =>
        PrecisionTable.Build(RunFolder.Open(run).Rows, SideFiles.ReadAccuracy(run), SideFiles.ReadModels(run));

    [Fact]
    public void A_real_run_gives_one_row_per_model_stage_ep_and_batch()
    {
        IReadOnlyList<PrecisionRow> rows = Build(RunFixtures.MobileNet);

        Assert.Equal(
            ["mobilenetv2 end-to-end cpu 1", "mobilenetv2 end-to-end cpu 4", "mobilenetv2 inference cpu 1", "mobilenetv2 inference cpu 4"],
            rows.Select(r => $"{r.Model} {r.Stage} {r.Ep} {r.Batch}"));
        PrecisionRow b4 = rows[1];
        // edgebench.csv: fp32 median 120.8517655 ms per batch of 4, fp16 196.28034975 ms.
        Assert.Equal(120.8517655 / 4, PrecisionRow.FrameMedianMs(b4.Fp32)!.Value, 9);
        Assert.Equal(129.156225725 / 4, PrecisionRow.FrameP90Ms(b4.Fp32)!.Value, 9);
        Assert.Equal(20.738449233791236, PrecisionRow.FramesPerSecond(b4.Fp16)!.Value, 9);
        Assert.Equal(120.8517655 / 196.28034975, b4.Fp16SpeedRatio!.Value, 9);
    }

    [Fact]
    public void Without_accuracy_and_models_files_the_table_says_not_measured()
    {
        ReportTable table = PrecisionTable.ToTable(Build(RunFixtures.MobileNet));

        IReadOnlyList<string> row = table.Rows[1];
        Assert.Equal(["mobilenetv2", "end-to-end", "onnxruntime/cpu", "4", "30.2", "32.3", "33.1", "49.1", "56.9", "20.7", "0.62x"], row.Take(11));
        Assert.Equal(["not run", "not run", "not run", "n/a"], row.Skip(11).Take(4));
        Assert.All(row.Skip(15), cell => Assert.Equal("not measured", cell));
        Assert.Equal("not measured", table.CsvRows[1][table.CsvHeaders.ToList().IndexOf("accuracy")]);
        Assert.Equal(string.Empty, table.CsvRows[1][table.CsvHeaders.ToList().IndexOf("cosine_min")]);
    }

    [Fact]
    public void Accuracy_and_model_sizes_fill_their_columns_and_not_applicable_cells_say_so()
    {
        IReadOnlyList<PrecisionRow> rows = Build(RunFixtures.MobileNetWithAccuracy);
        ReportTable table = PrecisionTable.ToTable(rows);

        PrecisionRow b1 = rows[0];
        Assert.Equal(13976058, b1.Fp32SizeBytes);
        Assert.Equal(7000699, b1.Fp16SizeBytes);
        Assert.Equal(0.99871, b1.Accuracy!.CosineMin);
        Assert.Equal(["13.3 MiB", "6.7 MiB", "not measured", "0.99871", "0.99962", "0.0123", "98.4%", "n/a"], table.Rows[0].Skip(15).Take(8));
        // The fixture's accuracy.csv predates int8 (no precision column): its rows are fp16's, int8 is not measured.
        Assert.All(table.Rows[0].Skip(23), cell => Assert.Equal("not measured", cell));
        // Batch 4 has no accuracy row of its own: outputs do not depend on the batch size, so batch 1's stands for it.
        Assert.Equal("0.99871", table.Rows[1][PrecisionTable.Headers.ToList().IndexOf("fp16 cosine min")]);
        Assert.Equal("mobilenetv2 (random weights)", table.Rows[0][0]);
        Assert.Equal("generated", table.CsvRows[0][table.CsvHeaders.ToList().IndexOf("weights")]);
    }

    [Fact]
    public void Int8_accuracy_rows_fill_the_int8_columns_and_fp16_rows_the_fp16_ones()
    {
        string run = RunFixtures.CopyTo(RunFixtures.MobileNetWithAccuracy, _directory);
        SideFiles.WriteAccuracy(run,
        [
            new AccuracyRow("mobilenetv2", "onnxruntime", "cpu", 1, 8, 0.9999, 0.99995, 0.001, 1.0, null),
            new AccuracyRow("mobilenetv2", "onnxruntime", "cpu", 1, 8, 0.97, 0.98, 0.25, 0.875, null, Precision: "int8"),
        ]);

        IReadOnlyList<AccuracyRow> read = SideFiles.ReadAccuracy(run)!;
        Assert.Equal(["fp16", "int8"], read.Select(a => a.Precision));
        ReportTable table = PrecisionTable.ToTable(Build(run));
        List<string> headers = [.. PrecisionTable.Headers];
        Assert.Equal("0.99990", table.Rows[0][headers.IndexOf("fp16 cosine min")]);
        Assert.Equal("0.97000", table.Rows[0][headers.IndexOf("int8 cosine min")]);
        Assert.Equal("87.5%", table.Rows[0][headers.IndexOf("int8 top-1 agreement")]);
        Assert.Equal("0.875", table.CsvRows[0][table.CsvHeaders.ToList().IndexOf("int8_top1_agreement")]);
    }

    [Fact]
    public void A_skipped_precision_shows_skipped_and_no_ratio()
    {
        ReportTable table = PrecisionTable.ToTable(Build(RunFixtures.MobileNetWithAccuracy));

        IReadOnlyList<string> inferenceB4 = table.Rows[3];
        Assert.Equal(["skipped", "skipped", "skipped", "n/a"], inferenceB4.Skip(7).Take(4));
        Assert.Equal("skipped", table.CsvRows[3][table.CsvHeaders.ToList().IndexOf("fp16_status")]);
    }

    [Fact]
    public void Stages_can_be_chosen()
    {
        RunFolder run = RunFolder.Open(RunFixtures.MobileNet);
        IReadOnlyList<PrecisionRow> rows = PrecisionTable.Build(run.Rows, null, null, ["preprocess"]);

        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("preprocess", r.Stage));
    }

    [Fact]
    public void The_report_writes_four_files_with_fixed_names_and_the_same_text_twice()
    {
        string run = RunFixtures.CopyTo(RunFixtures.MobileNetWithAccuracy, _directory);

        (IReadOnlyList<string> files, string markdown) = ReportWriter.WritePrecision(run);
        string firstCsv = File.ReadAllText(Path.Combine(run, "reports", "precision.csv"));
        string firstSvg = File.ReadAllText(Path.Combine(run, "reports", "precision.svg"));
        ReportWriter.WritePrecision(run);

        Assert.Equal(["precision.md", "precision.csv", "precision.png", "precision.svg"], files.Select(Path.GetFileName));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100, f));
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(run, "reports", "precision.md")));
        Assert.Equal(firstCsv, File.ReadAllText(Path.Combine(run, "reports", "precision.csv")));
        Assert.Equal(firstSvg, File.ReadAllText(Path.Combine(run, "reports", "precision.svg")));
        Assert.Contains("device `amd-epyc`", markdown, StringComparison.Ordinal);
        Assert.Contains("ONNX Runtime 1.31.1", markdown, StringComparison.Ordinal);
        Assert.StartsWith("model,weights,stage,backend,ep,batch,fp32_status,", firstCsv, StringComparison.Ordinal);
        Assert.Contains("# fp32 vs fp16 vs int8", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_accuracy_csv_is_an_error_naming_file_line_and_column()
    {
        string run = RunFixtures.CopyTo(RunFixtures.MobileNetWithAccuracy, _directory);
        string accuracy = Path.Combine(run, "accuracy.csv");
        string[] lines = File.ReadAllLines(accuracy);
        lines[1] = lines[1].Replace("0.99871", "high", StringComparison.Ordinal);
        File.WriteAllLines(accuracy, lines);

        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.WritePrecision(run));
        Assert.StartsWith(accuracy + ": line 2, column cosine_min: 'high' is not a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_accuracy_csv_without_its_columns_is_an_error_naming_them()
    {
        string run = RunFixtures.CopyTo(RunFixtures.MobileNetWithAccuracy, _directory);
        string accuracy = Path.Combine(run, "accuracy.csv");
        File.WriteAllText(accuracy, "model,backend\nmobilenetv2,onnxruntime\n");

        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.WritePrecision(run));
        Assert.StartsWith(accuracy + ": missing column(s) ep, batch, images,", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_without_edgebench_csv_is_an_error_naming_it()
    {
        string run = RunFixtures.CopyTo(RunFixtures.MobileNet, _directory);
        File.Delete(Path.Combine(run, "edgebench.csv"));

        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.WritePrecision(run));
        Assert.StartsWith(Path.Combine(run, "edgebench.csv") + ": file not found", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Tables_and_charts_do_not_depend_on_the_culture(string culture)
    {
        string invariantRun = RunFixtures.CopyTo(RunFixtures.MobileNetWithAccuracy, Path.Combine(_directory, "invariant"));
        string localRun = RunFixtures.CopyTo(RunFixtures.MobileNetWithAccuracy, Path.Combine(_directory, culture));
        (_, string invariant) = ReportWriter.WritePrecision(invariantRun);
        System.Globalization.CultureInfo saved = System.Globalization.CultureInfo.CurrentCulture;
        string local;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.GetCultureInfo(culture);
            local = ReportWriter.WritePrecision(localRun).Markdown;
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }

        Assert.Equal(invariant, local);
        Assert.Equal(File.ReadAllText(Path.Combine(invariantRun, "reports", "precision.csv")), File.ReadAllText(Path.Combine(localRun, "reports", "precision.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(invariantRun, "reports", "precision.svg")), File.ReadAllText(Path.Combine(localRun, "reports", "precision.svg")));
    }

    [Fact]
    public void A_case_listed_twice_is_an_error_naming_the_file_and_case()
    {
        string run = RunFixtures.CopyTo(RunFixtures.MobileNet, _directory);
        string csv = Path.Combine(run, "edgebench.csv");
        string[] lines = File.ReadAllLines(csv);
        File.WriteAllLines(csv, [.. lines, lines[1]]);

        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.WritePrecision(run));
        Assert.StartsWith(csv + ": case 'EdgeBench.Benchmarks.Pipeline.MobileNetBenchmarks.", e.Message, StringComparison.Ordinal);
        Assert.Contains("appears 2 times", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_with_only_one_precision_still_reports_it()
    {
        RunFolder run = RunFolder.Open(RunFixtures.SsdA);
        IReadOnlyList<PrecisionRow> rows = PrecisionTable.Build(run.Rows, null, null);
        ReportTable table = PrecisionTable.ToTable(rows);

        Assert.Equal(2, rows.Count);
        Assert.All(table.Rows, r => Assert.Equal("not run", r[7]));
        Assert.All(table.Rows, r => Assert.Equal("n/a", r[10]));
    }
}
