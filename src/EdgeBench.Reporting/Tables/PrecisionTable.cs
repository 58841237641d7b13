using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Tables;

/// <summary>
/// One precision comparison: a model, stage, backend/EP and batch measured in fp32, fp16 and int8, each lower precision
/// against fp32 (speed, size, output quality).
/// </summary>
public sealed record PrecisionRow(string Model, string Stage, string Backend, string Ep, int Batch,
    ResultRow? Fp32, ResultRow? Fp16, long? Fp32SizeBytes, long? Fp16SizeBytes, AccuracyRow? Accuracy, bool AccuracyFileExists)
{
    /// <summary>The int8 (QDQ) case, or null when the run did not measure int8.</summary>
#pragma warning disable CA1720 // named after the precision, like Fp32 and Fp16
    public ResultRow? Int8 { get; init; }
#pragma warning restore CA1720

    public long? Int8SizeBytes { get; init; }

    /// <summary>int8 outputs against fp32's (<see cref="Accuracy"/> is fp16's).</summary>
    public AccuracyRow? Int8Accuracy { get; init; }

    /// <summary>Where the model's weights came from (models.csv: generated, pretrained, user), or null without models.csv.</summary>
    public string? Weights { get; init; }

    /// <summary>Generated models have seeded random weights: their agreement measures numerics, not task accuracy.</summary>
    public bool RandomWeights => Weights == "generated";

    /// <summary>Median latency per frame (the batch's median over its frames), ms.</summary>
    public static double? FrameMedianMs(ResultRow? row) => Measured(row) ? row!.MedianMs / Math.Max(1, row.Batch) : null;

    public static double? FrameP90Ms(ResultRow? row) => Measured(row) ? row!.P90Ms / Math.Max(1, row.Batch) : null;

    public static double? FramesPerSecond(ResultRow? row) => Measured(row) ? row!.Fps : null;

    /// <summary>fp16 speed over fp32 speed from the medians: above 1, fp16 is faster.</summary>
    public double? Fp16SpeedRatio => SpeedRatio(Fp16);

    /// <summary>int8 speed over fp32 speed from the medians: above 1, int8 is faster.</summary>
    public double? Int8SpeedRatio => SpeedRatio(Int8);

    internal static bool Measured(ResultRow? row) => row is { Status: CaseStatus.Ok, MedianMs: not null };

    private double? SpeedRatio(ResultRow? other) =>
        FrameMedianMs(Fp32) is double a && FrameMedianMs(other) is double b && b > 0 ? a / b : null;
}

/// <summary>Builds <c>report precision</c>'s rows and table from one run.</summary>
public static class PrecisionTable
{
    /// <summary>The stages the table shows by default: where the precision of the model matters end to end.</summary>
    public static readonly IReadOnlyList<string> DefaultStages = ["end-to-end", "inference"];

    public static IReadOnlyList<PrecisionRow> Build(IReadOnlyList<ResultRow> rows, IReadOnlyList<AccuracyRow>? accuracy,
        IReadOnlyList<ModelFileRow>? models, IReadOnlyCollection<string>? stages = null)
    {
        stages ??= DefaultStages;
        var result = new List<PrecisionRow>();
        foreach (var group in rows
            .Where(r => stages.Contains(r.Stage) && r.Precision is "fp32" or "fp16" or "int8")
            .GroupBy(r => (r.Model, r.Stage, r.Backend, r.Ep, r.Batch))
            .OrderBy(g => g.Key.Model, StringComparer.Ordinal)
            .ThenBy(g => Order(stages, g.Key.Stage))
            .ThenBy(g => g.Key.Backend, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Ep, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Batch))
        {
            (string model, string stage, string backend, string ep, int batch) = group.Key;
            // Outputs do not depend on the batch size, so a comparison made at one batch size stands for all of them.
            AccuracyRow? Quality(string precision) => accuracy?.Where(a => a.Model == model && a.Backend == backend && a.Ep == ep && a.Precision == precision)
                .OrderBy(a => a.Batch == batch ? 0 : 1).FirstOrDefault();
            result.Add(new PrecisionRow(model, stage, backend, ep, batch,
                group.FirstOrDefault(r => r.Precision == "fp32"), group.FirstOrDefault(r => r.Precision == "fp16"),
                Size(models, model, "fp32"), Size(models, model, "fp16"), Quality("fp16"), accuracy is not null)
            {
                Int8 = group.FirstOrDefault(r => r.Precision == "int8"),
                Int8SizeBytes = Size(models, model, "int8"),
                Int8Accuracy = Quality("int8"),
                Weights = models?.FirstOrDefault(m => m.Model == model)?.Source,
            });
        }

        return result;
    }

    public static readonly IReadOnlyList<string> Headers =
    [
        "model", "stage", "backend/ep", "batch",
        "fp32 median ms/frame", "fp32 p90 ms/frame", "fp32 FPS",
        "fp16 median ms/frame", "fp16 p90 ms/frame", "fp16 FPS", "fp16/fp32 speed",
        "int8 median ms/frame", "int8 p90 ms/frame", "int8 FPS", "int8/fp32 speed",
        "fp32 size", "fp16 size", "int8 size",
        "fp16 cosine min", "fp16 cosine mean", "fp16 max abs error", "fp16 top-1 agreement", "fp16 box agreement @IoU 0.5",
        "int8 cosine min", "int8 cosine mean", "int8 max abs error", "int8 top-1 agreement", "int8 box agreement @IoU 0.5",
    ];

    public static readonly IReadOnlyList<string> CsvHeaders =
    [
        "model", "weights", "stage", "backend", "ep", "batch",
        "fp32_status", "fp32_frame_median_ms", "fp32_frame_p90_ms", "fp32_fps",
        "fp16_status", "fp16_frame_median_ms", "fp16_frame_p90_ms", "fp16_fps", "fp16_speed_ratio",
        "int8_status", "int8_frame_median_ms", "int8_frame_p90_ms", "int8_fps", "int8_speed_ratio",
        "fp32_size_bytes", "fp16_size_bytes", "int8_size_bytes",
        "accuracy", "images", "cosine_min", "cosine_mean", "max_abs_error", "top1_agreement", "box_agreement",
        "int8_accuracy", "int8_images", "int8_cosine_min", "int8_cosine_mean", "int8_max_abs_error", "int8_top1_agreement", "int8_box_agreement",
    ];

    public static ReportTable ToTable(IReadOnlyList<PrecisionRow> rows)
    {
        var cells = rows.Select(r => (IReadOnlyList<string>)
        [
            r.RandomWeights ? r.Model + " (random weights)" : r.Model, r.Stage, $"{r.Backend}/{r.Ep}", r.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Time(r.Fp32, PrecisionRow.FrameMedianMs), Time(r.Fp32, PrecisionRow.FrameP90Ms), Time(r.Fp32, PrecisionRow.FramesPerSecond),
            Time(r.Fp16, PrecisionRow.FrameMedianMs), Time(r.Fp16, PrecisionRow.FrameP90Ms), Time(r.Fp16, PrecisionRow.FramesPerSecond),
            r.Fp16SpeedRatio is double ratio ? Cells.Fixed(ratio, 2) + "x" : "n/a",
            Time(r.Int8, PrecisionRow.FrameMedianMs), Time(r.Int8, PrecisionRow.FrameP90Ms), Time(r.Int8, PrecisionRow.FramesPerSecond),
            r.Int8SpeedRatio is double int8Ratio ? Cells.Fixed(int8Ratio, 2) + "x" : "n/a",
            Cells.Size(r.Fp32SizeBytes), Cells.Size(r.Fp16SizeBytes), Cells.Size(r.Int8SizeBytes),
            .. QualityCells(r, r.Accuracy),
            .. QualityCells(r, r.Int8Accuracy),
        ]).ToArray();

        var csv = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Model, r.Weights ?? string.Empty, r.Stage, r.Backend, r.Ep, r.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Status(r.Fp32), Cells.Raw(PrecisionRow.FrameMedianMs(r.Fp32)), Cells.Raw(PrecisionRow.FrameP90Ms(r.Fp32)), Cells.Raw(PrecisionRow.FramesPerSecond(r.Fp32)),
            Status(r.Fp16), Cells.Raw(PrecisionRow.FrameMedianMs(r.Fp16)), Cells.Raw(PrecisionRow.FrameP90Ms(r.Fp16)), Cells.Raw(PrecisionRow.FramesPerSecond(r.Fp16)),
            Cells.Raw(r.Fp16SpeedRatio),
            Status(r.Int8), Cells.Raw(PrecisionRow.FrameMedianMs(r.Int8)), Cells.Raw(PrecisionRow.FrameP90Ms(r.Int8)), Cells.Raw(PrecisionRow.FramesPerSecond(r.Int8)),
            Cells.Raw(r.Int8SpeedRatio),
            Cells.Raw(r.Fp32SizeBytes), Cells.Raw(r.Fp16SizeBytes), Cells.Raw(r.Int8SizeBytes),
            .. QualityCsv(r.Accuracy),
            .. QualityCsv(r.Int8Accuracy),
        ]).ToArray();

        return new ReportTable(Headers, cells, CsvHeaders, csv);
    }

    private static string[] QualityCells(PrecisionRow row, AccuracyRow? accuracy) =>
    [
        Quality(row, accuracy, a => Cells.Fixed(a.CosineMin, 5, "n/a")),
        Quality(row, accuracy, a => Cells.Fixed(a.CosineMean, 5, "n/a")),
        Quality(row, accuracy, a => a.MaxAbsError is double e ? e.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : "n/a"),
        Quality(row, accuracy, a => Cells.Percent(a.Top1Agreement, "n/a")),
        Quality(row, accuracy, a => Cells.Percent(a.BoxAgreement, "n/a")),
    ];

    private static string[] QualityCsv(AccuracyRow? accuracy) =>
    [
        accuracy is not null ? "measured" : "not measured",
        accuracy?.Images?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
        Cells.Raw(accuracy?.CosineMin), Cells.Raw(accuracy?.CosineMean), Cells.Raw(accuracy?.MaxAbsError),
        Cells.Raw(accuracy?.Top1Agreement), Cells.Raw(accuracy?.BoxAgreement),
    ];

    /// <summary>What a case's cell says: its number, or why there is none.</summary>
    private static string Time(ResultRow? row, Func<ResultRow?, double?> value) => row switch
    {
        null => "not run",
        { Status: CaseStatus.Skipped } => Cells.Skipped,
        { Status: CaseStatus.Failed } => Cells.Failed,
        _ => Cells.Number(value(row)),
    };

    private static string Status(ResultRow? row) => row?.Status ?? "not run";

    /// <summary>'not measured' without accuracy.csv or without a row for this case; 'n/a' where a measure does not apply.</summary>
    private static string Quality(PrecisionRow row, AccuracyRow? accuracy, Func<AccuracyRow, string> cell) =>
        accuracy is null ? Cells.NotMeasured : cell(accuracy);

    private static long? Size(IReadOnlyList<ModelFileRow>? models, string model, string precision) =>
        models?.FirstOrDefault(m => m.Model == model && m.Precision == precision)?.SizeBytes;

    private static int Order(IReadOnlyCollection<string> stages, string stage)
    {
        int index = stages.ToList().IndexOf(stage);
        return index < 0 ? int.MaxValue : index;
    }
}
