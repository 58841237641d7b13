using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Tables;

namespace EdgeBench.Tests.Reporting;

public sealed class BackendsTableTests
{
    private static ResultRow Row(string backend, string stage, int batch, double? medianMs, string status = CaseStatus.Ok, string precision = "fp32") => new()
    {
        Model = "ssd300",
        Stage = stage,
        Precision = precision,
        Batch = batch,
        Backend = backend,
        Ep = "cpu",
        Status = status,
        MedianMs = medianMs,
        Fps = medianMs is double m ? batch * 1000.0 / m : null,
    };

    [Fact]
    public void Pairs_engines_per_model_precision_batch_and_stage_in_pipeline_order()
    {
        ResultRow[] rows =
        [
            Row("onnxruntime", "end-to-end", 4, 760),
            Row("torchsharp", "end-to-end", 4, 912),
            Row("onnxruntime", "inference", 4, 740),
            Row("torchsharp", "inference", 4, 900),
            Row("onnxruntime", "preprocess-scalar-reference", 4, 6),
            Row("onnxruntime", "postprocess", 1, 0.6),
            Row("torchsharp", "postprocess", 1, null, CaseStatus.Skipped, "fp32"),
            Row("onnxruntime", "inference", 1, 190, precision: "fp16"),
        ];

        IReadOnlyList<BackendsRow> table = BackendsTable.Build(rows);

        Assert.Equal(["1 postprocess", "4 inference", "4 end-to-end"], table.Select(r => $"{r.Batch} {r.Stage}"));
        Assert.Null(table[0].OrtSpeedup);
        Assert.Equal(900.0 / 740.0, table[1].OrtSpeedup!.Value, 12);
        ReportTable report = BackendsTable.ToTable(table);
        Assert.Equal(["ssd300", "fp32", "1", "cpu", "postprocess", "0.600", "skipped", "1667", "skipped", "n/a"], report.Rows[0]);
        Assert.Equal("1.20x", report.Rows[2][^1]);
        Assert.True(BackendsTable.HasBothEngines(rows));
        Assert.False(BackendsTable.HasBothEngines([.. rows.Where(r => r.Backend == "onnxruntime")]));
        // Both engines' cold-start rows alone are no stage comparison (the report would have no row).
        Assert.False(BackendsTable.HasBothEngines([Row("onnxruntime", "cold-start-session", 1, 700), Row("torchsharp", "cold-start-session", 1, 2700)]));
    }
}
