using System.Globalization;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Reporting.Tables;

/// <summary>One stage of one model, precision and batch, measured on ONNX Runtime and on TorchSharp (libtorch).</summary>
public sealed record BackendsRow(string Model, string Precision, int Batch, string Stage, string Ep, ResultRow? Ort, ResultRow? Torch)
{
    /// <summary>TorchSharp's median over ONNX Runtime's: above 1, ONNX Runtime is faster (its FPS is this many times TorchSharp's).</summary>
    public double? OrtSpeedup =>
        PrecisionRow.FrameMedianMs(Ort) is double ort && PrecisionRow.FrameMedianMs(Torch) is double torch && ort > 0 ? torch / ort : null;
}

/// <summary>Builds <c>report backends</c>: ONNX Runtime against TorchSharp, stage by stage, from one run.</summary>
public static class BackendsTable
{
    public const string OrtEngine = "onnxruntime";
    public const string TorchEngine = "torchsharp";

    /// <summary>The pipeline stages in pipeline order (baselines and comparison rows are not backend comparisons).</summary>
    public static readonly IReadOnlyList<string> Stages = ["to-tensor", "preprocess", "inference", "postprocess", "end-to-end"];

    /// <summary>
    /// Whether the run measured both engines on the same execution provider in a stage of <see cref="Stages"/> (what
    /// makes the report meaningful); rows of other stages on both (cold start, scenarios) make no table.
    /// </summary>
    public static bool HasBothEngines(IReadOnlyList<ResultRow> rows) =>
        rows.Any(r => r.Backend == OrtEngine && r.Status == CaseStatus.Ok && Stages.Contains(r.Stage)
            && rows.Any(t => t.Backend == TorchEngine && t.Ep == r.Ep && t.Status == CaseStatus.Ok && t.Stage == r.Stage));

    public static IReadOnlyList<BackendsRow> Build(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new List<BackendsRow>();
        foreach (var group in rows
            .Where(r => Stages.Contains(r.Stage) && r.Backend is OrtEngine or TorchEngine)
            .GroupBy(r => (r.Model, r.Precision, r.Batch, r.Stage, r.Ep))
            .Where(g => g.Any(r => r.Backend == OrtEngine) && g.Any(r => r.Backend == TorchEngine))
            .OrderBy(g => g.Key.Model, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Precision, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Batch)
            .ThenBy(g => g.Key.Ep, StringComparer.Ordinal)
            .ThenBy(g => Stages.ToList().IndexOf(g.Key.Stage)))
        {
            (string model, string precision, int batch, string stage, string ep) = group.Key;
            result.Add(new BackendsRow(model, precision, batch, stage, ep,
                group.FirstOrDefault(r => r.Backend == OrtEngine), group.FirstOrDefault(r => r.Backend == TorchEngine)));
        }

        return result;
    }

    public static readonly IReadOnlyList<string> Headers =
    [
        "model", "precision", "batch", "ep", "stage",
        "ORT median ms/frame", "TorchSharp median ms/frame", "ORT FPS", "TorchSharp FPS", "ORT speed-up (TorchSharp ms / ORT ms)",
    ];

    public static readonly IReadOnlyList<string> CsvHeaders =
    [
        "model", "precision", "batch", "ep", "stage",
        "ort_status", "ort_frame_median_ms", "torchsharp_status", "torchsharp_frame_median_ms", "ort_fps", "torchsharp_fps", "ort_speedup",
    ];

    public static ReportTable ToTable(IReadOnlyList<BackendsRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Model, r.Precision, r.Batch.ToString(CultureInfo.InvariantCulture), r.Ep, r.Stage,
            Cell(r.Ort, PrecisionRow.FrameMedianMs), Cell(r.Torch, PrecisionRow.FrameMedianMs),
            Cell(r.Ort, PrecisionRow.FramesPerSecond), Cell(r.Torch, PrecisionRow.FramesPerSecond),
            r.OrtSpeedup is double s ? Cells.Fixed(s, 2) + "x" : "n/a",
        ]).ToArray();
        var csv = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Model, r.Precision, r.Batch.ToString(CultureInfo.InvariantCulture), r.Ep, r.Stage,
            r.Ort?.Status ?? "not run", Cells.Raw(PrecisionRow.FrameMedianMs(r.Ort)),
            r.Torch?.Status ?? "not run", Cells.Raw(PrecisionRow.FrameMedianMs(r.Torch)),
            Cells.Raw(PrecisionRow.FramesPerSecond(r.Ort)), Cells.Raw(PrecisionRow.FramesPerSecond(r.Torch)), Cells.Raw(r.OrtSpeedup),
        ]).ToArray();
        return new ReportTable(Headers, cells, CsvHeaders, csv);
    }

    private static string Cell(ResultRow? row, Func<ResultRow?, double?> value) => row switch
    {
        null => "not run",
        { Status: CaseStatus.Skipped } => Cells.Skipped,
        { Status: CaseStatus.Failed } => Cells.Failed,
        _ => Cells.Number(value(row)),
    };
}
