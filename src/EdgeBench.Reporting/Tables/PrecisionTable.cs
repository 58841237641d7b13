using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Tables;

/// <summary>One precision comparison: a model, stage, backend/EP and batch measured in fp32 and fp16.</summary>
public sealed record PrecisionRow(string Model, string Stage, string Backend, string Ep, int Batch,
    ResultRow? Fp32, ResultRow? Fp16, long? Fp32SizeBytes, long? Fp16SizeBytes, AccuracyRow? Accuracy, bool AccuracyFileExists)
{
    /// <summary>Median latency per frame (the batch's median over its frames), ms.</summary>
    public static double? FrameMedianMs(ResultRow? row) => Measured(row) ? row!.MedianMs / Math.Max(1, row.Batch) : null;

    public static double? FrameP90Ms(ResultRow? row) => Measured(row) ? row!.P90Ms / Math.Max(1, row.Batch) : null;

    public static double? FramesPerSecond(ResultRow? row) => Measured(row) ? row!.Fps : null;

    /// <summary>fp16 speed over fp32 speed from the medians: above 1, fp16 is faster.</summary>
    public double? Fp16SpeedRatio =>
        FrameMedianMs(Fp32) is double a && FrameMedianMs(Fp16) is double b && b > 0 ? a / b : null;

    internal static bool Measured(ResultRow? row) => row is { Status: CaseStatus.Ok, MedianMs: not null };
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
            .Where(r => stages.Contains(r.Stage) && r.Precision is "fp32" or "fp16")
            .GroupBy(r => (r.Model, r.Stage, r.Backend, r.Ep, r.Batch))
            .OrderBy(g => g.Key.Model, StringComparer.Ordinal)
            .ThenBy(g => Order(stages, g.Key.Stage))
            .ThenBy(g => g.Key.Backend, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Ep, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Batch))
        {
            (string model, string stage, string backend, string ep, int batch) = group.Key;
            // Outputs do not depend on the batch size, so a comparison made at one batch size stands for all of them.
            AccuracyRow? quality = accuracy?.Where(a => a.Model == model && a.Backend == backend && a.Ep == ep)
                .OrderBy(a => a.Batch == batch ? 0 : 1).FirstOrDefault();
            result.Add(new PrecisionRow(model, stage, backend, ep, batch,
                group.FirstOrDefault(r => r.Precision == "fp32"), group.FirstOrDefault(r => r.Precision == "fp16"),
                Size(models, model, "fp32"), Size(models, model, "fp16"), quality, accuracy is not null));
        }

        return result;
    }

    public static readonly IReadOnlyList<string> Headers =
    [
        "model", "stage", "backend/ep", "batch",
        "fp32 median ms/frame", "fp32 p90 ms/frame", "fp32 FPS",
        "fp16 median ms/frame", "fp16 p90 ms/frame", "fp16 FPS",
        "fp16/fp32 speed", "fp32 size", "fp16 size",
        "cosine min", "cosine mean", "max abs error", "top-1 agreement", "box agreement @IoU 0.5",
    ];

    public static readonly IReadOnlyList<string> CsvHeaders =
    [
        "model", "stage", "backend", "ep", "batch",
        "fp32_status", "fp32_frame_median_ms", "fp32_frame_p90_ms", "fp32_fps",
        "fp16_status", "fp16_frame_median_ms", "fp16_frame_p90_ms", "fp16_fps",
        "fp16_speed_ratio", "fp32_size_bytes", "fp16_size_bytes",
        "accuracy", "images", "cosine_min", "cosine_mean", "max_abs_error", "top1_agreement", "box_agreement",
    ];

    public static ReportTable ToTable(IReadOnlyList<PrecisionRow> rows)
    {
        var cells = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Model, r.Stage, $"{r.Backend}/{r.Ep}", r.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Time(r.Fp32, PrecisionRow.FrameMedianMs), Time(r.Fp32, PrecisionRow.FrameP90Ms), Time(r.Fp32, PrecisionRow.FramesPerSecond),
            Time(r.Fp16, PrecisionRow.FrameMedianMs), Time(r.Fp16, PrecisionRow.FrameP90Ms), Time(r.Fp16, PrecisionRow.FramesPerSecond),
            r.Fp16SpeedRatio is double ratio ? Cells.Fixed(ratio, 2) + "x" : "n/a",
            Cells.Size(r.Fp32SizeBytes), Cells.Size(r.Fp16SizeBytes),
            Quality(r, a => Cells.Fixed(a.CosineMin, 5, "n/a")),
            Quality(r, a => Cells.Fixed(a.CosineMean, 5, "n/a")),
            Quality(r, a => a.MaxAbsError is double e ? e.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : "n/a"),
            Quality(r, a => Cells.Percent(a.Top1Agreement, "n/a")),
            Quality(r, a => Cells.Percent(a.BoxAgreement, "n/a")),
        ]).ToArray();

        var csv = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Model, r.Stage, r.Backend, r.Ep, r.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Status(r.Fp32), Cells.Raw(PrecisionRow.FrameMedianMs(r.Fp32)), Cells.Raw(PrecisionRow.FrameP90Ms(r.Fp32)), Cells.Raw(PrecisionRow.FramesPerSecond(r.Fp32)),
            Status(r.Fp16), Cells.Raw(PrecisionRow.FrameMedianMs(r.Fp16)), Cells.Raw(PrecisionRow.FrameP90Ms(r.Fp16)), Cells.Raw(PrecisionRow.FramesPerSecond(r.Fp16)),
            Cells.Raw(r.Fp16SpeedRatio), Cells.Raw(r.Fp32SizeBytes), Cells.Raw(r.Fp16SizeBytes),
            r.Accuracy is not null ? "measured" : "not measured",
            r.Accuracy?.Images?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
            Cells.Raw(r.Accuracy?.CosineMin), Cells.Raw(r.Accuracy?.CosineMean), Cells.Raw(r.Accuracy?.MaxAbsError),
            Cells.Raw(r.Accuracy?.Top1Agreement), Cells.Raw(r.Accuracy?.BoxAgreement),
        ]).ToArray();

        return new ReportTable(Headers, cells, CsvHeaders, csv);
    }

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
    private static string Quality(PrecisionRow row, Func<AccuracyRow, string> cell) =>
        row.Accuracy is null ? Cells.NotMeasured : cell(row.Accuracy);

    private static long? Size(IReadOnlyList<ModelFileRow>? models, string model, string precision) =>
        models?.FirstOrDefault(m => m.Model == model && m.Precision == precision)?.SizeBytes;

    private static int Order(IReadOnlyCollection<string> stages, string stage)
    {
        int index = stages.ToList().IndexOf(stage);
        return index < 0 ? int.MaxValue : index;
    }
}
