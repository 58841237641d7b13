using System.Globalization;
using System.Text;
using EdgeBench.Reporting.Charts;
using EdgeBench.Reporting.Runs;
using EdgeBench.Reporting.Tables;

namespace EdgeBench.Reporting.Reports;

/// <summary>
/// Writes the report files. Names are fixed so reruns overwrite them and git shows the change:
/// <c>&lt;run&gt;/reports/precision.{md,csv,png,svg}</c> and
/// <c>&lt;results-root&gt;/reports/devices.{md,csv}</c>, <c>devices-fps.{png,svg}</c>, <c>devices-fps-vs-power.{png,svg}</c>.
/// </summary>
public static class ReportWriter
{
    public const string FolderName = "reports";

    /// <summary><c>report precision</c>: reads the run, writes the four files, returns their paths and the Markdown.</summary>
    public static (IReadOnlyList<string> Files, string Markdown) WritePrecision(string runDirectory, IReadOnlyCollection<string>? stages = null)
    {
        RunFolder run = RunFolder.Open(runDirectory);
        IReadOnlyList<AccuracyRow>? accuracy = SideFiles.ReadAccuracy(runDirectory);
        IReadOnlyList<ModelFileRow>? models = SideFiles.ReadModels(runDirectory);
        IReadOnlyList<PrecisionRow> rows = PrecisionTable.Build(run.Rows, accuracy, models, stages);
        if (rows.Count == 0)
        {
            throw new InvalidDataException(
                $"{Path.Combine(runDirectory, Results.ResultsCsv.FileName)}: no fp32 or fp16 case of stage {string.Join(" or ", stages ?? PrecisionTable.DefaultStages)}; nothing to compare.");
        }

        ReportTable table = PrecisionTable.ToTable(rows);
        string directory = Directory.CreateDirectory(Path.Combine(runDirectory, FolderName)).FullName;
        var md = new StringBuilder();
        md.Append("# fp32 vs fp16\n\n");
        md.Append(RunContext.Describe(run)).Append("\n\n");
        md.Append(table.ToMarkdown()).Append('\n');
        md.Append("Latencies are per frame (the batch's time divided by its frames); `fp16/fp32 speed` is the fp32 median over the fp16 median ")
            .Append("(above 1: fp16 is faster). Output quality compares fp16 against fp32 outputs on the same inputs (")
            .Append(accuracy is null ? $"**not measured: this run has no {SideFiles.AccuracyFileName}**" : $"from {SideFiles.AccuracyFileName}")
            .Append("); `n/a` where a measure does not apply (top-1 for detectors, boxes for classifiers). Model sizes come from ")
            .Append(models is null ? $"{SideFiles.ModelsFileName} (absent in this run)" : SideFiles.ModelsFileName).Append(".\n\n");
        md.Append("![fp32 vs fp16 FPS](precision.png)\n");

        string mdPath = Path.Combine(directory, "precision.md"), csvPath = Path.Combine(directory, "precision.csv");
        File.WriteAllText(mdPath, md.ToString());
        table.WriteCsv(csvPath);
        IReadOnlyList<string> charts = ChartRenderer.Save(ChartRenderer.Bars(ReportCharts.Precision(rows)), Path.Combine(directory, "precision"));
        return ([mdPath, csvPath, .. charts], md.ToString());
    }

    /// <summary>
    /// <c>report backends</c>: ONNX Runtime against TorchSharp per model, precision, batch and stage, from one run
    /// that measured both; writes <c>&lt;run&gt;/reports/backends.{md,csv}</c>.
    /// </summary>
    /// <summary>
    /// Draws again the chart of every sustained timeline of a run (<c>timeline/*.csv</c> → <c>.png</c>, <c>.svg</c>), e.g.
    /// on a machine with fonts when the board that ran it has none; the Markdown lists each case's thermal drop.
    /// </summary>
    public static (IReadOnlyList<string> Files, string Markdown) WriteTimelines(string runDirectory)
    {
        string folder = Path.Combine(runDirectory, "timeline");
        string[] csvs = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal).ToArray() : [];
        if (csvs.Length == 0)
        {
            throw new InvalidDataException($"{folder}: no timeline/*.csv; a run made with --sustained writes them.");
        }

        var files = new List<string>();
        var md = new StringBuilder("# Sustained timelines\n\n| case | seconds | last-minute / first-minute FPS |\n| --- | ---: | ---: |\n");
        foreach (string csv in csvs)
        {
            IReadOnlyList<EdgeBench.Pipeline.Frames.TimelineSecond> timeline = EdgeBench.Pipeline.Frames.SustainedTimeline.ReadCsv(File.ReadAllText(csv), csv);
            string name = Path.GetFileNameWithoutExtension(csv);
            files.AddRange(ChartRenderer.Save(TimelineChart.Create(name, timeline), Path.Combine(folder, name)));
            double? drop = EdgeBench.Pipeline.Frames.SustainedTimeline.ThermalDrop(timeline);
            md.Append(CultureInfo.InvariantCulture, $"| {name} | {timeline.Count} | {(drop is double d ? d.ToString("0.00", CultureInfo.InvariantCulture) : "n/a")} |\n");
        }

        return (files, md.ToString());
    }

    public static (IReadOnlyList<string> Files, string Markdown) WriteBackends(string runDirectory)
    {
        RunFolder run = RunFolder.Open(runDirectory);
        IReadOnlyList<BackendsRow> rows = BackendsTable.Build(run.Rows);
        if (rows.Count == 0)
        {
            throw new InvalidDataException(
                $"{Path.Combine(runDirectory, Results.ResultsCsv.FileName)}: no stage was measured on both onnxruntime and torchsharp; nothing to compare (run with --backend ort-cpu,torchsharp-cpu).");
        }

        string directory = Directory.CreateDirectory(Path.Combine(runDirectory, FolderName)).FullName;
        var md = new StringBuilder();
        md.Append("# ONNX Runtime vs TorchSharp (libtorch)\n\n");
        md.Append(RunContext.Describe(run)).Append("\n\n");
        md.Append(BackendsTable.ToTable(rows).ToMarkdown()).Append('\n');
        md.Append("Both engines run the same stages on the same frames with the same intra-op thread count: ONNX Runtime inside ")
            .Append("EdgeBench's C# pipeline (vectorized pre/postprocessing), TorchSharp as a PyTorch user writes the pipeline ")
            .Append("(every stage in libtorch ops: flip, permute, F.interpolate, softmax, tensor box decoding, class-aware NMS, topk). ")
            .Append("Latencies are medians per frame (the batch's time over its frames). `ORT speed-up` is TorchSharp's median over ")
            .Append("ONNX Runtime's: above 1, ONNX Runtime has that many times TorchSharp's frame rate; below 1, libtorch wins the stage. ")
            .Append("Postprocess cases decode the same recorded-style outputs on both engines.\n");
        string mdPath = Path.Combine(directory, "backends.md"), csvPath = Path.Combine(directory, "backends.csv");
        File.WriteAllText(mdPath, md.ToString());
        BackendsTable.ToTable(rows).WriteCsv(csvPath);
        return ([mdPath, csvPath], md.ToString());
    }

    /// <summary><c>report devices</c>: the latest run of each device (or the named ones), one row per device x model.</summary>
    public static (IReadOnlyList<string> Files, string Markdown) WriteDevices(string resultsRoot, IReadOnlyList<string> namedRuns,
        string? catalogPath, string stage = "end-to-end", string? precision = null, int? batch = null)
    {
        IReadOnlyList<string> runDirectories = DevicesTable.SelectRuns(resultsRoot, namedRuns);
        RunFolder[] runs = runDirectories.Select(RunFolder.Open).ToArray();
        catalogPath ??= Path.Combine(resultsRoot, DeviceCatalog.FileName);
        DeviceCatalog catalog = File.Exists(catalogPath) ? DeviceCatalog.Read(catalogPath) : DeviceCatalog.Empty;
        IReadOnlyList<DeviceRow> rows = DevicesTable.Build(runs, catalog, stage, precision, batch);
        if (rows.Count == 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{resultsRoot}: none of the runs has a {stage} case{(precision is null ? string.Empty : " in " + precision)}{(batch is null ? string.Empty : $" at batch {batch}")}."));
        }

        ReportTable table = DevicesTable.ToTable(rows);
        string directory = Directory.CreateDirectory(Path.Combine(resultsRoot, FolderName)).FullName;
        var md = new StringBuilder();
        md.Append("# Devices compared\n\n");
        foreach (RunFolder run in runs.OrderBy(r => r.DeviceId, StringComparer.Ordinal))
        {
            md.Append("- ").Append(RunContext.Describe(run)).Append('\n');
        }

        md.Append('\n').Append(table.ToMarkdown()).Append('\n');
        md.Append(CultureInfo.InvariantCulture, $"Each row is the fastest `{stage}` case of the model on that device")
            .Append(precision is null ? string.Empty : $" in {precision}").Append(batch is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" at batch {batch}"))
            .Append(" (its configuration: precision, batch, backend/EP). `absent`: the device has no such measurement (never zero); ")
            .Append("`not measured`: the run had no power sampler. Energy per frame is the sampler's energy per batch over its frames, ")
            .Append("else average power x mean time per frame. Price and peak GFLOPS: ")
            .Append(File.Exists(catalogPath) ? $"`{Path.GetFileName(catalogPath)}` (the committed device catalog)" : "no device catalog found")
            .Append(".\n\n![FPS by device](devices-fps.png)\n\n![FPS against power](devices-fps-vs-power.png)\n");
        string[] unpowered = rows.Where(r => r.Fps is not null && r.PowerW is null).Select(r => r.DeviceId).Distinct().ToArray();
        if (unpowered.Length > 0)
        {
            md.Append("\nNot in the power chart (no power measured): ").AppendJoin(", ", unpowered.Select(d => $"`{d}`")).Append(".\n");
        }

        string mdPath = Path.Combine(directory, "devices.md"), csvPath = Path.Combine(directory, "devices.csv");
        File.WriteAllText(mdPath, md.ToString());
        table.WriteCsv(csvPath);
        IReadOnlyList<string> bars = ChartRenderer.Save(ChartRenderer.Bars(ReportCharts.DevicesFps(rows)), Path.Combine(directory, "devices-fps"));
        IReadOnlyList<string> scatter = ChartRenderer.Save(
            ChartRenderer.Scatter("Speed against power (up and to the left is better)", "average power (W)", "FPS",
                ReportCharts.SpeedVsPower(rows), "no run measured power"),
            Path.Combine(directory, "devices-fps-vs-power"));
        return ([mdPath, csvPath, .. bars, .. scatter], md.ToString());
    }
}
