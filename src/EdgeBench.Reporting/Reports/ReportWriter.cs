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
                $"{Path.Combine(runDirectory, Results.ResultsCsv.FileName)}: no fp32, fp16 or int8 case of stage {string.Join(" or ", stages ?? PrecisionTable.DefaultStages)}; nothing to compare.");
        }

        ReportTable table = PrecisionTable.ToTable(rows);
        string directory = Directory.CreateDirectory(Path.Combine(runDirectory, FolderName)).FullName;
        var md = new StringBuilder();
        md.Append("# fp32 vs fp16 vs int8\n\n");
        md.Append(RunContext.Describe(run)).Append("\n\n");
        md.Append(table.ToMarkdown()).Append('\n');
        md.Append("Latencies are per frame (the batch's time divided by its frames); `fp16/fp32 speed` and `int8/fp32 speed` are the fp32 median ")
            .Append("over the fp16 or int8 median (above 1: faster than fp32). int8 is EdgeBench's static QDQ quantization (per-channel int8 ")
            .Append("weights, uint8 activations calibrated min/max on the run's frames). Output quality compares fp16 and int8 against fp32 outputs on the same inputs (")
            .Append(accuracy is null ? $"**not measured: this run has no {SideFiles.AccuracyFileName}**" : $"from {SideFiles.AccuracyFileName}")
            .Append("); `n/a` where a measure does not apply (top-1 for detectors, boxes for classifiers); a feature extractor's top-1 is its ")
            .Append("strongest feature. Models marked `(random weights)` are generated with seeded weights: their agreement measures the ")
            .Append("precision's numerics, not task accuracy. Model sizes come from ")
            .Append(models is null ? $"{SideFiles.ModelsFileName} (absent in this run)" : SideFiles.ModelsFileName).Append(".\n\n");
        md.Append("![fp32 vs fp16 vs int8 FPS](precision.png)\n");

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

    /// <summary>
    /// <c>report devices</c>: every selected run of each device (all of them, or those of <paramref name="selection"/>),
    /// one row per device x model with the model's best end-to-end pipeline, the precision view, and the charts.
    /// </summary>
    public static (IReadOnlyList<string> Files, string Markdown) WriteDevices(string resultsRoot, RunSelection selection,
        string? catalogPath, string? stage = null, string? precision = null, int? batch = null)
    {
        ArgumentNullException.ThrowIfNull(selection);
        IReadOnlyList<string> runDirectories = selection.Select(resultsRoot);
        RunFolder[] runs = runDirectories.Select(RunFolder.Open).ToArray();
        catalogPath ??= Path.Combine(resultsRoot, DeviceCatalog.FileName);
        DeviceCatalog catalog = File.Exists(catalogPath) ? DeviceCatalog.Read(catalogPath) : DeviceCatalog.Empty;
        IReadOnlyList<DeviceMeasurements> devices = DevicesTable.Measure(runs, stage, precision, batch);
        IReadOnlyList<DeviceRow> rows = DevicesTable.Build(devices, catalog);
        string what = stage is null ? "end-to-end" : $"`{stage}`";
        if (rows.Count == 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{resultsRoot}: none of the {runs.Length} selected run(s) has an {what} case{(precision is null ? string.Empty : " in " + precision)}{(batch is null ? string.Empty : $" at batch {batch}")}."));
        }

        string directory = Directory.CreateDirectory(Path.Combine(resultsRoot, FolderName)).FullName;
        var files = new List<string>();
        var md = new StringBuilder();
        md.Append("# Devices compared\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{runs.Length} run folder(s) of {devices.Count} device(s): {Describe(selection)}. Each device's newest run:\n\n");
        foreach (DeviceMeasurements device in devices)
        {
            md.Append(CultureInfo.InvariantCulture, $"- {device.Runs.Count} run(s); newest: ").Append(RunContext.Describe(device.Newest)).Append('\n');
        }

        md.Append("\n## Best ").Append(what).Append(" pipeline per model\n\n");
        md.Append(DevicesTable.ToTable(rows).ToMarkdown()).Append('\n');
        md.Append(stage is null
                ? "Each row is the model's fastest end-to-end case on the device across all its selected runs: for every case (model, stage row, "
                    + "precision, batch, backend/EP) the newest run in which it ran ok, so a newer run that lacks a case, or in which it failed, "
                    + "does not hide an older measurement; then the fastest of those. End to end is any row that takes camera frames to detections "
                    + "or classes: `end-to-end` (the host pipeline), the GPU pipeline variants (`end-to-end-cuda-kernels*`, `end-to-end-fused-graph`), "
                    + "the SSD ladder's levels (`ladder-*`) and the scenarios (`end-to-end-single-stream`, `-camera`, `-offline`); not "
                    + "`end-to-end-detector-only` (the model alone, no frames) nor the frame-trace costs. "
                : $"Each row is the model's fastest `{stage}` case on the device across all its selected runs (every case's newest ok measurement). ")
            .Append(precision is null ? string.Empty : $"Only {precision} cases. ")
            .Append(batch is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"Only batch {batch}. "))
            .Append("**FPS measure**: `batch / mean call` for stage rows (frames per call of the benchmark method over its mean time, over ")
            .Append("BenchmarkDotNet's iterations: a closed loop, each call waiting for the last); `delivered` for scenario rows (frames ")
            .Append("delivered per second of the measured window; a camera scenario cannot exceed its camera's rate). Both count frames ")
            .Append("taken to results per second, so the rows compete on the same number. `median ms/frame`: the call's median over its ")
            .Append("batch; for a scenario row its p50 frame latency (capture to result). `environment`: `same` when the row's run ")
            .Append("matches the device's newest run in .NET and ONNX Runtime versions, providers, power mode, clocks and L4T (the fields ")
            .Append("`diff` refuses to compare across), else the differences, in bold. `absent`: the device has no such measurement (never ")
            .Append("zero); `not measured`: the run had no power sampler. Energy per frame is the sampler's energy per call over its frames ")
            .Append("(scenario rows: per delivered frame), else average power x mean time per frame. Price and peak GFLOPS: ")
            .Append(File.Exists(catalogPath) ? $"`{Path.GetFileName(catalogPath)}` (the committed device catalog; the entries used and their sources are listed at the end)" : "no device catalog found")
            .Append(".\n");
        int marked = rows.Count(r => r.EnvironmentChanges.Count > 0);
        if (marked > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n**{marked} row(s) come from a run whose environment differs from the device's newest run** (see the `environment` column).\n");
        }

        GroupedBars fps = ReportCharts.DevicesFps(rows);
        files.AddRange(ChartRenderer.Save(ChartRenderer.Bars(fps), Path.Combine(directory, "devices-fps")));
        md.Append("\n![FPS by device](devices-fps.png)\n\n").Append(ChartScale.Caption(fps)).Append('\n');

        IReadOnlyList<string> precisions = DevicePrecisionTable.Precisions(devices);
        IReadOnlyList<DevicePrecisionRow> precisionRows = DevicePrecisionTable.Build(devices);
        md.Append("\n## Precision per device\n\n");
        md.Append(DevicePrecisionTable.ToTable(precisionRows, precisions).ToMarkdown()).Append('\n');
        md.Append("Per device and model, the fastest case of each precision (any pipeline, batch and backend, named beside it), and its ")
            .Append("FPS over the fastest fp32 case: above 1 the lower precision helps on this device, below 1 it hurts. ")
            .Append("`absent`: no such case measured.\n");
        if (precisions.Any(p => p != DevicePrecisionTable.Reference) && precisions.Contains(DevicePrecisionTable.Reference))
        {
            GroupedBars ratio = ReportCharts.DevicePrecision(precisionRows, precisions);
            files.AddRange(ChartRenderer.Save(ChartRenderer.Bars(ratio), Path.Combine(directory, "devices-precision")));
            md.Append("\n![precision per device](devices-precision.png)\n\n").Append(ChartScale.Caption(ratio)).Append('\n');
        }

        md.Append("\n## Efficiency\n\n![FPS against power](devices-fps-vs-power.png)\n");
        string[] unpowered = rows.Where(r => r.Fps is not null && r.PowerW is null).Select(r => r.DeviceId).Distinct().ToArray();
        if (unpowered.Length > 0)
        {
            md.Append("\nNot in the power charts (no power measured): ").AppendJoin(", ", unpowered.Select(d => $"`{d}`")).Append(".\n");
        }

        files.AddRange(ChartRenderer.Save(
            ChartRenderer.Scatter("Speed against power (up and to the left is better)", "average power (W)", "FPS",
                ReportCharts.SpeedVsPower(rows), "no run measured power"),
            Path.Combine(directory, "devices-fps-vs-power")));
        if (ReportCharts.DevicesFpsPerWatt(rows) is { } perWatt)
        {
            files.AddRange(ChartRenderer.Save(ChartRenderer.Bars(perWatt), Path.Combine(directory, "devices-fps-per-watt")));
            md.Append("\n![FPS per watt](devices-fps-per-watt.png)\n\n").Append(ChartScale.Caption(perWatt)).Append('\n');
        }

        if (ReportCharts.DevicesFpsPerDollar(rows) is { } perDollar)
        {
            files.AddRange(ChartRenderer.Save(ChartRenderer.Bars(perDollar), Path.Combine(directory, "devices-fps-per-dollar")));
            md.Append("\n![FPS per dollar](devices-fps-per-dollar.png)\n\n").Append(ChartScale.Caption(perDollar)).Append('\n');
        }

        CatalogDevice[] priced = devices.Select(d => catalog.Find(d.DeviceId)).OfType<CatalogDevice>().Distinct().ToArray();
        if (priced.Length > 0 && !rows.Any(r => r.FpsPerDollar is not null))
        {
            md.Append("\nNo FPS-per-dollar chart: no measured device has a price in the catalog.\n");
        }

        if (priced.Length > 0)
        {
            md.Append("\nCatalog entries used:\n\n");
            foreach (CatalogDevice entry in priced)
            {
                md.Append(CultureInfo.InvariantCulture, $"- `{entry.DeviceId}` ({entry.Name}): {entry.Source}")
                    .Append(entry.SourceUrl.Length > 0 ? $" <{entry.SourceUrl}>" : string.Empty).Append('\n');
            }
        }
        else
        {
            md.Append("\nNo measured device is in the catalog, so no price, FPS per dollar or peak GFLOPS; docs/devices.md says how to add a board.\n");
        }

        string mdPath = Path.Combine(directory, "devices.md"), csvPath = Path.Combine(directory, "devices.csv"),
            precisionCsvPath = Path.Combine(directory, "devices-precision.csv");
        File.WriteAllText(mdPath, md.ToString());
        DevicesTable.ToTable(rows).WriteCsv(csvPath);
        DevicePrecisionTable.ToTable(precisionRows, precisions).WriteCsv(precisionCsvPath);
        return ([mdPath, csvPath, precisionCsvPath, .. files], md.ToString());
    }

    private static string Describe(RunSelection selection)
    {
        var parts = new List<string>();
        parts.Add(selection.Named.Count > 0 ? "the run folders named" : "every run");
        if (selection.Commit is not null)
        {
            parts.Add($"of commit {selection.Commit}");
        }

        if (selection.Since is DateTimeOffset since)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"started at or after {since:yyyy-MM-ddTHH:mm:ss}Z"));
        }

        return string.Join(" ", parts);
    }
}
