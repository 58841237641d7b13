using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Summaries;

namespace EdgeBench.Tests.Reporting;

/// <summary>The end screen built from constructed rows: what it picks, how it groups, and that it fits.</summary>
public sealed class RunSummaryTests
{
    private static ResultRow Row(string model, string stage, double? fps, double? frameMs = null, string precision = "fp32", int batch = 1,
        string backend = "onnxruntime", string ep = "cpu", string status = CaseStatus.Ok, string reason = "", string scenario = "") => new()
        {
            Benchmark = $"EdgeBench.Benchmarks.Pipeline.XBenchmarks.{stage}(Model: {model}, Precision: {precision}, Batch: {batch}, Backend: {backend}-{ep})",
            Model = model,
            Stage = stage,
            Precision = precision,
            Batch = batch,
            Backend = backend,
            Ep = ep,
            Status = status,
            Reason = reason,
            Fps = fps,
            FrameMs = frameMs ?? (fps is double f ? 1000 / f : null),
            Scenario = scenario,
        };

    private static RunSummary Build(params ResultRow[] rows) =>
        RunSummary.Build(new RunSummaryInput { Rows = rows, RunDirectory = "results/dev/run", Files = [("edgebench.csv", "every case")] });

    private static string[] TableRow(RunSummary summary, string sectionStart, string model) =>
        Assert.Single(
            summary.Sections.Single(s => s.Title.StartsWith(sectionStart, StringComparison.Ordinal)).Table!.Rows,
            r => r[0] == model).ToArray();

    [Fact]
    public void The_best_row_is_the_fastest_end_to_end_variant_and_a_camera_case_never_wins()
    {
        RunSummary summary = Build(
            Row("ssd300", "end-to-end", fps: 400, precision: "fp16", batch: 8),
            Row("ssd300", "end-to-end-cuda-kernels-pipelined", fps: 2093, precision: "fp16", batch: 8, ep: "cuda"),
            Row("ssd300", "end-to-end-camera", fps: 3000, scenario: "camera"), // capped by the camera: not a pipeline's rate
            Row("ssd300", "inference", fps: 5000, precision: "fp16", batch: 8),  // a stage, not the pipeline
            Row("ssd300", "end-to-end-detector-only", fps: 6000, precision: "fp16", batch: 8, ep: "cuda"), // the model alone
            Row("ssd300", "end-to-end-single-stream", fps: 7000, scenario: "single-stream") with { Verdict = "invalid" },
            Row("mobilenetv2", "end-to-end", fps: 100),
            Row("mobilenetv2", "end-to-end-single-stream", fps: 120, scenario: "single-stream") with { FrameP50Ms = 8.1 },
            Row("mobilenetv2", "end-to-end", fps: 90, precision: "fp16"));

        string[] ssd = TableRow(summary, "Fastest", "ssd300");
        Assert.Equal("fp16 b8 onnxruntime/cuda cuda-kernels-pipelined", ssd[1]);
        Assert.Equal("2093", ssd[2]);
        string[] mobilenet = TableRow(summary, "Fastest", "mobilenetv2");
        Assert.Equal(["fp32 b1 onnxruntime/cpu single-stream", "120", "8.33"], mobilenet[1..4]); // ms/frame = 1000/FPS
        Assert.Equal("0.75x", mobilenet[^1]); // best fp16 (90) over best fp32 (120)
    }

    [Fact]
    public void The_split_is_the_configurations_stage_cases_as_percent_of_their_sum()
    {
        RunSummary summary = Build(
            Row("resnet18", "end-to-end", fps: 100),
            Row("resnet18", "to-tensor", fps: null, frameMs: 0.05),
            Row("resnet18", "preprocess", fps: null, frameMs: 0.45),
            Row("resnet18", "inference", fps: null, frameMs: 9),
            Row("resnet18", "postprocess", fps: null, frameMs: 0.5),
            Row("resnet18", "inference", fps: null, frameMs: 99, batch: 4), // another configuration
            Row("yolov8n", "end-to-end", fps: 30),
            Row("yolov8n", "inference", fps: null, frameMs: 30),
            Row("yolov8n", "postprocess", fps: null, frameMs: 3));

        Assert.Equal("0.5/4.5/90/5.0", TableRow(summary, "Fastest", "resnet18")[4]);
        Assert.Equal("?/?/91/9.1", TableRow(summary, "Fastest", "yolov8n")[4]); // stages that did not run read '?'
    }

    [Fact]
    public void An_int8_best_splits_its_inference_against_fp32s_host_stages_and_has_its_own_ratio()
    {
        // int8 takes and gives fp32 tensors: a run with fp32 times its host stages only there (CaseFilter).
        RunSummary summary = Build(
            Row("resnet50", "end-to-end", fps: 25),
            Row("resnet50", "end-to-end", fps: 20, precision: "fp16"),
            Row("resnet50", "end-to-end", fps: 80, precision: "int8"),
            Row("resnet50", "to-tensor", fps: null, frameMs: 0.1),
            Row("resnet50", "preprocess", fps: null, frameMs: 0.4),
            Row("resnet50", "inference", fps: null, frameMs: 40),
            Row("resnet50", "postprocess", fps: null, frameMs: 0.5),
            Row("resnet50", "inference", fps: null, frameMs: 11.5, precision: "int8"));

        string[] row = TableRow(summary, "Fastest", "resnet50");
        Assert.Equal("int8 b1 onnxruntime/cpu", row[1]);
        Assert.Equal("0.8/3.2/92/4.0", row[4]); // 0.1, 0.4, 11.5, 0.5 of 12.5 ms
        Assert.Equal(["0.80x", "3.20x"], row[^2..]); // fp16 and int8 over fp32's 25 FPS
    }

    [Fact]
    public void Columns_nobody_measured_are_left_out()
    {
        RunSummary without = Build(Row("m", "end-to-end", fps: 10));
        RunSummary with = Build(Row("m", "end-to-end", fps: 10) with { PowerW = 5 });

        Assert.DoesNotContain("Power W", without.Sections[0].Table!.Headers);
        Assert.Equal("2.00", TableRow(with, "Fastest", "m")[with.Sections[0].Table!.Headers.ToList().IndexOf("FPS/W")]);
    }

    [Fact]
    public void Skip_reasons_are_grouped_without_the_model_file_they_name()
    {
        ResultRow[] rows =
        [
            Row("yolov8n", "inference", null, precision: "fp32", status: CaseStatus.Skipped, reason: "/m/yolov8n-fp32.onnx: no TorchSharp module for model 'yolov8n'"),
            Row("yolov8n", "inference", null, precision: "fp16", status: CaseStatus.Skipped, reason: "/m/yolov8n-fp16.onnx: no TorchSharp module for model 'yolov8n'"),
            Row("a", "inference", null, status: CaseStatus.Skipped, reason: "not in the default run: slow"),
            Row("b", "inference", null, status: CaseStatus.Skipped, reason: "not in the default run: slow"),
            Row("c", "inference", null, status: CaseStatus.Skipped, reason: "not in the default run: slow"),
            Row("d", "inference", null, status: CaseStatus.Skipped, reason: "batch 4: the model's input has a fixed batch of 1"),
            Row("e", "inference", fps: 3),
        ];

        Assert.Equal(
            [("not in the default run: slow", 3), ("no TorchSharp module for model 'yolov8n'", 2), ("batch 4: the model's input has a fixed batch of 1", 1)],
            RunSummary.GroupSkipReasons(rows));
        Assert.Equal(["   3 x not in the default run: slow", "   2 x no TorchSharp module for model 'yolov8n'", "   1 x batch 4: the model's input has a fixed batch of 1"],
            Build(rows).Sections.Single(s => s.Title == "Skipped: 6 cases, by reason").Lines);
    }

    [Fact]
    public void Failures_show_their_first_line_and_are_capped()
    {
        ResultRow[] failed = Enumerable.Range(0, RunSummary.MaxFailuresShown + 2)
            .Select(i => Row($"m{i}", "inference", null, status: CaseStatus.Failed, reason: $"boom {i}\n   at Somewhere()"))
            .ToArray();

        SummarySection section = Build(failed).Sections.Single(s => s.Title.StartsWith("Failed", StringComparison.Ordinal));

        Assert.Equal($"Failed: {RunSummary.MaxFailuresShown + 2} cases", section.Title);
        Assert.Equal("XBenchmarks.inference(m0, fp32, 1, onnxruntime-cpu): boom 0", section.Lines[0]);
        Assert.Equal("... and 2 more (edgebench.csv has every one)", section.Lines[^1]);
        Assert.Equal(RunSummary.MaxFailuresShown + 1, section.Lines.Count);
    }

    [Fact]
    public void A_default_suite_sized_run_fits_one_screen_and_no_line_is_wider_than_the_console()
    {
        // Seven models, three precisions (int8: inference and end to end), two batches, two backends, eight stage cases
        // each, scenarios at batch 1, skips for four reasons: the default suite's shape.
        var rows = new List<ResultRow>();
        string[] models = ["ssd300", "tiny-yolov3", "yolov8n", "mobilenetv2", "resnet18", "resnet18-pretrained", "resnet50"];
        foreach (string model in models)
        {
            foreach (string precision in (string[])["fp32", "fp16"])
            {
                foreach (int batch in (int[])[1, 4])
                {
                    foreach (string stage in (string[])["to-tensor", "preprocess", "preprocess-scalar-reference", "preprocess-memcpy", "inference", "postprocess", "postprocess-naive", "end-to-end"])
                    {
                        rows.Add(Row(model, stage, fps: 10 * batch, precision: precision, batch: batch));
                        rows.Add(Row(model, stage, null, precision: precision, batch: batch, backend: "torchsharp",
                            status: CaseStatus.Skipped, reason: precision == "fp16" ? "not in the default run: libtorch fp16 is slow" : $"/m/{model}.onnx: no module"));
                    }
                }
            }

            foreach (int batch in (int[])[1, 4])
            {
                // int8: inference and end to end only, beside fp32 (CaseFilter); TorchSharp skips it.
                foreach (string stage in (string[])["inference", "end-to-end"])
                {
                    rows.Add(Row(model, stage, fps: 30 * batch, precision: "int8", batch: batch));
                    rows.Add(Row(model, stage, null, precision: "int8", batch: batch, backend: "torchsharp",
                        status: CaseStatus.Skipped, reason: "int8 runs on ONNX Runtime only"));
                }
            }

            rows.Add(Row(model, "end-to-end-single-stream", fps: 9, scenario: "single-stream") with { Verdict = "valid", Diagnosis = "inference-bound: inference 99% of frame time" });
            rows.Add(Row(model, "end-to-end-camera", fps: 9, scenario: "camera") with { Verdict = "invalid", Diagnosis = "camera: cannot keep up, 70% of frames dropped" });
        }

        RunSummary summary = Build([.. rows]);
        string[] lines = summary.ToText(80).Split('\n', StringSplitOptions.None).Select(l => l.TrimEnd('\r')).ToArray();

        Assert.InRange(lines.Length, 20, 60);
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"'{line}' is wider than 80 characters"));
        Assert.Contains(lines, l => l.Contains("INVALID: camera: ", StringComparison.Ordinal));
        Assert.Contains("INVALID: camera: cannot keep up, 70% of frames dropped", summary.ToText(120), StringComparison.Ordinal);
        string markdown = summary.ToMarkdown();
        Assert.Contains("| ssd300 | int8 b4 onnxruntime/cpu | 120 |", markdown, StringComparison.Ordinal);
        Assert.Contains("- 112 x not in the default run: libtorch fp16 is slow", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Cold_start_reads_one_line_per_configuration_with_median_and_max()
    {
        RunSummary summary = Build(
            Row("ssd300", "cold-start-launch", null) with { MedianMs = 2055, MaxMs = 2301, PeakRssMb = 354 },
            Row("ssd300", "cold-start-session", null) with { MedianMs = 1455, MaxMs = 1600, PeakRssMb = 350 },
            Row("ssd300", "cold-start-first-frame", null) with { MedianMs = 242, MaxMs = 250 },
            Row("resnet18", "cold-start-launch", null) with { MedianMs = 1206, MaxMs = 1300 });

        SummarySection section = summary.Sections.Single(s => s.Title.StartsWith("Cold start", StringComparison.Ordinal));
        Assert.Equal(["ssd300", "fp32 b1 onnxruntime/cpu", "2055 / 2301", "1455 / 1600", "242 / 250", "354"], section.Table!.Rows[0]);
        Assert.Equal(["resnet18", "fp32 b1 onnxruntime/cpu", "1206 / 1300", "-", "-", "-"], section.Table.Rows[1]);
    }
}
