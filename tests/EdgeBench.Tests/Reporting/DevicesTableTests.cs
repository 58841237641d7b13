using EdgeBench.Reporting.Charts;
using EdgeBench.Reporting.Reports;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;
using EdgeBench.Reporting.Tables;
using EnvironmentInfo = EdgeBench.Reporting.Environment.EnvironmentInfo;

namespace EdgeBench.Tests.Reporting;

/// <summary>
/// <c>report devices</c> on the committed fixture root (TestData/runs/root: three real amd-epyc runs, a hand-written
/// Jetson Nano and Raspberry Pi 3 B) and on run folders each test writes with the real writers (environment.json,
/// edgebench.csv), so every situation the table must handle is set up explicitly.
/// </summary>
public sealed class DevicesTableTests : IDisposable
{
    private const string Jetson = "nvidia-jetson-nano-developer-kit";
    private const string Pi = "raspberry-pi-3-model-b-rev-1-2";
    private const string Gpu = "gpu-test";

    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-devices-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IReadOnlyList<DeviceRow> Build(string? root = null, RunSelection? selection = null, string? precision = null)
    {
        RunFolder[] runs = (selection ?? RunSelection.All).Select(root ?? RunFixtures.ResultsRoot).Select(RunFolder.Open).ToArray();
        return DevicesTable.Build(runs, DeviceCatalog.Read(RunFixtures.Catalog), precision: precision);
    }

    private static DeviceRow Row(IReadOnlyList<DeviceRow> rows, string device, string model) =>
        rows.Single(r => r.DeviceId == device && r.Model == model);

    private string Root => Path.Combine(_directory, "results");

    /// <summary>Writes results/&lt;device&gt;/&lt;runId&gt;/ with an environment.json and an edgebench.csv of <paramref name="rows"/>.</summary>
    private string WriteRun(string device, string runId, IEnumerable<ResultRow> rows, string onnxRuntime = "1.31.1", long? ramMb = null)
    {
        string run = Directory.CreateDirectory(Path.Combine(Root, device, runId)).FullName;
        new EnvironmentInfo
        {
            DeviceId = device,
            DeviceModel = device.ToUpperInvariant(),
            OnnxRuntimeVersion = onnxRuntime,
            DotnetVersion = ".NET 10.0.12",
            GitCommit = runId[16..],
            StartedUtc = RunSelection.StartOf(runId)!.Value,
            MemoryTotalMb = ramMb,
        }.Write(Path.Combine(run, EnvironmentInfo.FileName));
        ResultsCsv.Write(Path.Combine(run, ResultsCsv.FileName), rows);
        return run;
    }

    private static ResultRow Case(string model, string stage, double fps, string precision = "fp32", int batch = 1, string ep = "cuda",
        string status = CaseStatus.Ok, string scenario = "", string verdict = "") => new()
    {
        Benchmark = $"Fixture.{stage}(Model: {model}, Precision: {precision}, Batch: {batch}, Ep: {ep})",
        Model = model,
        Stage = stage,
        Precision = precision,
        Batch = batch,
        Backend = "onnxruntime",
        Ep = ep,
        Status = status,
        Reason = status == CaseStatus.Ok ? string.Empty : "no GPU here",
        Fps = status == CaseStatus.Ok ? fps : null,
        MeanMs = status == CaseStatus.Ok && scenario.Length == 0 ? batch * 1000.0 / fps : null,
        MedianMs = status == CaseStatus.Ok && scenario.Length == 0 ? batch * 1000.0 / fps : null,
        Scenario = scenario,
        Verdict = verdict,
        FrameP50Ms = scenario.Length > 0 ? 1000.0 / fps : null,
    };

    [Fact]
    public void Every_run_of_a_device_counts_not_only_its_latest()
    {
        // root's latest amd-epyc run is SSD only; MobileNetV2 comes from the older MobileNet run.
        IReadOnlyList<DeviceRow> rows = Build();

        Assert.Equal(
            ["amd-epyc mobilenetv2", "amd-epyc ssd300", $"{Jetson} mobilenetv2", $"{Jetson} ssd300", $"{Pi} mobilenetv2", $"{Pi} ssd300"],
            rows.Select(r => $"{r.DeviceId} {r.Model}"));
        Assert.Equal(RunFixtures.MobileNetId, Row(rows, "amd-epyc", "mobilenetv2").RunId);
        Assert.Equal(RunFixtures.SsdBId, Row(rows, "amd-epyc", "ssd300").NewestRunId);
        Assert.Contains(Row(rows, "amd-epyc", "ssd300").RunId, new[] { RunFixtures.SsdAId, RunFixtures.SsdBId });
    }

    [Fact]
    public void Each_row_shows_the_pipelines_peak_memory_against_the_boards_RAM_and_its_models_inference_percent_of_peak()
    {
        // The inference rows of the model: an older run's on the same EP, a newer one on another EP of the same backend.
        WriteRun(Gpu, "20261101-100000-aaaa111",
            [Case("ssd300", "inference", 500, ep: "cuda") with { PeakPct = 41.5 }, Case("ssd300", "inference", 300, ep: "cpu") with { PeakPct = 88 }]);
        WriteRun(Gpu, "20261102-100000-bbbb222",
            [Case("ssd300", "end-to-end", 420, ep: "cuda") with { PeakRssMb = 619, GpuMemMb = 1234 }, Case("ssd300", "inference", 520, ep: "cuda-graph") with { PeakPct = 55 }],
            ramMb: 3964);

        DeviceRow row = Row(Build(Root), Gpu, "ssd300");

        Assert.Equal(619, row.PeakRssMb);
        Assert.Equal(3964, row.RamMb);
        Assert.Equal(41.5, row.InferencePeakPct); // same EP preferred over the newer run's other EP, never the CPU's 88
        ReportTable table = DevicesTable.ToTable([row]);
        IReadOnlyList<string> cells = table.Rows.Single();
        Assert.Equal("619 (of 3964)", cells[DevicesTable.Headers.ToList().IndexOf("peak RSS MB (of RAM MB)")]);
        Assert.Equal("41.5", cells[DevicesTable.Headers.ToList().IndexOf("inference % of peak")]);
        IReadOnlyList<string> csv = table.CsvRows.Single();
        Assert.Equal(["619", "3964", "1234", "41.5"], new[] { "peak_rss_mb", "ram_mb", "gpu_mem_mb", "inference_peak_pct" }
            .Select(h => csv[DevicesTable.CsvHeaders.ToList().IndexOf(h)]));
    }

    [Fact]
    public void A_gpu_pipeline_without_its_own_eps_inference_row_takes_another_gpu_eps_never_the_cpus()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111",
            [Case("ssd300", "inference", 300, ep: "cpu") with { PeakPct = 88 }, Case("ssd300", "inference", 500, ep: "cuda") with { PeakPct = 41.5 },
             Case("ssd300", "end-to-end-cuda-kernels-pipelined", 900, ep: "cuda-graph")]);
        WriteRun(Pi, "20261101-100000-aaaa111",
            [Case("ssd300", "inference", 1, ep: "cuda") with { PeakPct = 12 }, Case("ssd300", "end-to-end", 0.9, ep: "cpu")]);

        IReadOnlyList<DeviceRow> rows = Build(Root);

        Assert.Equal(41.5, Row(rows, Gpu, "ssd300").InferencePeakPct);
        Assert.Null(Row(rows, Pi, "ssd300").InferencePeakPct);
    }

    [Fact]
    public void A_gpu_pipelines_percent_of_peak_comes_from_its_device_only_inference_row_where_there_is_one()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111",
            [Case("mobilenetv2", "inference", 700, ep: "cuda-graph") with { PeakPct = 0.2 },
             Case("mobilenetv2", "inference-on-device", 3300, ep: "cuda-graph") with { PeakPct = 0.28 },
             Case("mobilenetv2", "end-to-end", 1500, ep: "cuda-graph")]);

        Assert.Equal(0.28, Row(Build(Root), Gpu, "mobilenetv2").InferencePeakPct);
    }

    [Fact]
    public void A_newer_partial_run_does_not_hide_an_older_complete_one()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("mobilenetv2", "end-to-end", 900), Case("ssd300", "end-to-end", 400)]);
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end", 420), Case("ssd300", "preprocess", 9000)]);

        IReadOnlyList<DeviceRow> rows = Build(Root);

        Assert.Equal(900, Row(rows, Gpu, "mobilenetv2").Fps);
        Assert.Equal("20261101-100000-aaaa111", Row(rows, Gpu, "mobilenetv2").RunId);
        // The same case in both runs: the newest measurement, though the older one was not slower by much.
        Assert.Equal(420, Row(rows, Gpu, "ssd300").Fps);
        Assert.Equal("20261102-100000-bbbb222", Row(rows, Gpu, "ssd300").RunId);
    }

    [Fact]
    public void The_committed_results_show_every_h200_model_and_ssd300_on_a_gpu_pipeline()
    {
        // The repository's own results/ (read in place, nothing written): its newest H200 runs are partial.
        IReadOnlyList<DeviceRow> rows = Build(Path.GetDirectoryName(RunFixtures.Catalog)!);

        DeviceRow[] h200 = rows.Where(r => r.DeviceId == "gpu-NVIDIA-H200").ToArray();
        Assert.All(h200, r => Assert.NotNull(r.Case));
        Assert.Superset(new HashSet<string> { "mobilenetv2", "resnet18", "resnet50", "ssd300", "tiny-yolov3", "yolov8n" }, h200.Select(r => r.Model).ToHashSet());
        DeviceRow ssd = h200.Single(r => r.Model == "ssd300");
        Assert.StartsWith("end-to-end-cuda-kernels", ssd.Pipeline, StringComparison.Ordinal);
        Assert.True(ssd.Fps > 2000, $"{ssd.Fps}");
        Assert.Contains(rows, r => r.DeviceId == "amd-epyc" && r.Model == "mobilenetv2" && r.Case is not null);
    }

    [Fact]
    public void The_newest_ok_measurement_of_a_case_counts_even_when_an_older_one_was_faster_and_a_newer_one_failed()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("ssd300", "end-to-end", 500)]);
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end", 450)]);
        WriteRun(Gpu, "20261103-100000-cccc333", [Case("ssd300", "end-to-end", 0, status: CaseStatus.Failed)]);

        DeviceRow ssd = Row(Build(Root), Gpu, "ssd300");

        Assert.Equal(450, ssd.Fps);
        Assert.Equal("20261102-100000-bbbb222", ssd.RunId);
        Assert.Equal("20261103-100000-cccc333", ssd.NewestRunId);
    }

    [Fact]
    public void A_gpu_pipeline_variant_wins_over_host_end_to_end_when_faster_and_comparison_rows_never_compete()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111",
        [
            Case("ssd300", "end-to-end", 428, batch: 8, ep: "cuda-graph"),
            Case("ssd300", "end-to-end-cuda-kernels-pipelined", 2105, precision: "fp16", batch: 8, ep: "cuda-graph"),
            Case("ssd300", "end-to-end-fused-graph", 1290, precision: "fp16", batch: 8, ep: "cuda-graph"),
            Case("ssd300", "ladder-4-fp16", 1316, precision: "fp16", batch: 8, ep: "cuda-graph"),
            Case("ssd300", "end-to-end-detector-only", 2168, precision: "fp16", batch: 8, ep: "cuda-graph"), // no frames: not a pipeline
            Case("ssd300", "inference", 5000, precision: "fp16", batch: 8, ep: "cuda-graph"), // a stage, not end to end
            Case("mobilenetv2", "end-to-end", 2584, batch: 8),
            Case("mobilenetv2", "end-to-end-fused-graph", 2000, batch: 8),
        ]);

        IReadOnlyList<DeviceRow> rows = Build(Root);
        ReportTable table = DevicesTable.ToTable(rows);

        DeviceRow ssd = Row(rows, Gpu, "ssd300");
        Assert.Equal(2105, ssd.Fps);
        Assert.Equal("end-to-end-cuda-kernels-pipelined", ssd.Pipeline);
        Assert.Equal("fp16 b8 onnxruntime/cuda-graph", ssd.Configuration);
        Assert.Equal("batch / mean call", ssd.FpsMeasure);
        Assert.Contains(table.Rows, r => r.Take(5).SequenceEqual([Gpu, "ssd300", "end-to-end-cuda-kernels-pipelined", "fp16 b8 onnxruntime/cuda-graph", "2105"]));
        // Where the host pipeline is the faster one, it stays.
        Assert.Equal("end-to-end", Row(rows, Gpu, "mobilenetv2").Pipeline);
    }

    [Theory]
    [InlineData("end-to-end", true)]
    [InlineData("end-to-end-cuda-kernels", true)]
    [InlineData("end-to-end-cuda-kernels-page-locked", true)]
    [InlineData("end-to-end-single-stream", true)]
    [InlineData("end-to-end-offline", true)]
    [InlineData("ladder-0-baseline", true)]
    [InlineData("end-to-end-detector-only", false)]
    [InlineData("end-to-end-trace-recording", false)]
    [InlineData("inference-on-device", false)]
    [InlineData("postprocess", false)]
    public void End_to_end_means_frames_to_results(string stage, bool endToEnd) => Assert.Equal(endToEnd, DevicesTable.IsEndToEnd(stage));

    [Fact]
    public void A_camera_case_at_another_frame_rate_is_another_case_and_says_its_rate()
    {
        // The older run's camera at 1,000 FPS measured what the pipeline can take; the newer run's 30 FPS camera only
        // that it keeps up with 30. The newer must not hide the older: the rate is part of the case.
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("ssd300", "end-to-end-camera", 273, scenario: "camera", verdict: "valid") with { CameraFps = 1000 }]);
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end-camera", 30, scenario: "camera", verdict: "valid") with { CameraFps = 30 }]);

        DeviceMeasurements device = Assert.Single(DevicesTable.Measure([.. RunSelection.All.Select(Root).Select(RunFolder.Open)]));
        DeviceRow row = Row(Build(Root), Gpu, "ssd300");

        Assert.Equal([30.0, 1000.0], device.Cases.Select(c => c.Row.CameraFps!.Value).Order());
        Assert.Equal(273, row.Fps);
        Assert.Equal("delivered (camera at 1000 FPS)", row.FpsMeasure);
        Assert.Equal("20261101-100000-aaaa111", row.RunId);
    }

    [Fact]
    public void Scenario_rows_compete_on_delivered_fps_and_invalid_ones_do_not()
    {
        ResultRow offline = Case("yolov8n", "end-to-end-offline", 547, batch: 8, scenario: "offline", verdict: "valid") with { PowerW = 150, EnergyMj = 150 * 1000.0 / 547 };
        WriteRun(Gpu, "20261101-100000-aaaa111",
        [
            Case("yolov8n", "end-to-end", 500, batch: 8),
            offline,
            Case("yolov8n", "end-to-end-camera", 900, scenario: "camera", verdict: "invalid"),
            Case("resnet18", "end-to-end-camera", 30, scenario: "camera", verdict: "invalid"),
        ]);

        IReadOnlyList<DeviceRow> rows = Build(Root);

        DeviceRow yolo = Row(rows, Gpu, "yolov8n");
        Assert.Equal(547, yolo.Fps);
        Assert.Equal("delivered (offline)", yolo.FpsMeasure);
        Assert.Equal(1000.0 / 547, yolo.FrameMedianMs!.Value, 0.001); // edgebench.csv keeps 4 significant digits
        // A scenario's energy_mj is already per delivered frame: not divided by the batch again.
        Assert.Equal(150 * 1000.0 / 547, yolo.EnergyPerFrameMj!.Value, 0.1);
        DeviceRow resnet = Row(rows, Gpu, "resnet18");
        Assert.Null(resnet.Case);
        Assert.StartsWith("only invalid scenario rows (end-to-end-camera", resnet.AbsentReason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_environment_change_is_marked_not_mixed_silently()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("mobilenetv2", "end-to-end", 900)], onnxRuntime: "1.30.0");
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end", 420)]);

        IReadOnlyList<DeviceRow> rows = Build(Root);
        ReportTable table = DevicesTable.ToTable(rows);
        int environment = table.Headers.ToList().IndexOf("environment");

        DeviceRow mobileNet = Row(rows, Gpu, "mobilenetv2");
        Assert.Equal("onnx_runtime_version", Assert.Single(mobileNet.EnvironmentChanges).Field);
        Assert.Equal("differs from 20261102-100000-bbbb222: onnx_runtime_version 1.30.0 (newest 1.31.1)", mobileNet.EnvironmentNote);
        Assert.Equal("**" + mobileNet.EnvironmentNote + "**", table.Rows[0][environment]);
        Assert.Empty(Row(rows, Gpu, "ssd300").EnvironmentChanges);
        Assert.Equal("same", table.Rows[1][environment]);
    }

    [Fact]
    public void Commit_selects_the_runs_of_that_commit()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("mobilenetv2", "end-to-end", 900)]);
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end", 420)]);
        WriteRun(Gpu, "20261103-100000-nogit", [Case("resnet18", "end-to-end", 1000)]);

        Assert.Equal(["20261101-100000-aaaa111"], RunSelection.Parse(null, "aaaa111", null).Select(Root).Select(Path.GetFileName));
        // A full hash selects its short run id, a short prefix too.
        Assert.Equal(["20261102-100000-bbbb222"], RunSelection.Parse(null, "BBBB222" + new string('0', 33), null).Select(Root).Select(Path.GetFileName));
        Assert.Equal(["20261102-100000-bbbb222"], RunSelection.Parse(null, "bbbb", null).Select(Root).Select(Path.GetFileName));
        Assert.Equal(["20261103-100000-nogit"], RunSelection.Parse(null, "nogit", null).Select(Root).Select(Path.GetFileName));

        IReadOnlyList<DeviceRow> rows = Build(Root, RunSelection.Parse(null, "aaaa111", null));
        Assert.Equal(["mobilenetv2"], rows.Select(r => r.Model));
    }

    [Fact]
    public void Since_and_named_folders_select()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("mobilenetv2", "end-to-end", 900)]);
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end", 420)]);
        string other = WriteRun("other-board", "20261102-120000-bbbb222", [Case("ssd300", "end-to-end", 4)]);

        Assert.Equal(["20261102-100000-bbbb222", "20261102-120000-bbbb222"],
            RunSelection.Parse(null, null, "2026-11-02").Select(Root).Select(Path.GetFileName));
        Assert.Equal(["20261102-120000-bbbb222"], RunSelection.Parse(null, null, "2026-11-02T10:00:01").Select(Root).Select(Path.GetFileName));
        Assert.Equal(["20261102-120000-bbbb222"], RunSelection.Parse(null, null, "20261102-110000").Select(Root).Select(Path.GetFileName));
        Assert.Equal([other], RunSelection.Parse([Path.Combine("other-board", "20261102-120000-bbbb222")], null, null).Select(Root));
    }

    [Theory]
    [InlineData("xyz", null, "--commit 'xyz': expected a git commit (4 to 40 hex digits, e.g. e459999) or 'nogit'")]
    [InlineData("abc", null, "--commit 'abc': expected a git commit")]
    [InlineData(null, "yesterday", "--since 'yesterday': expected a UTC date or time")]
    [InlineData(null, "2026-13-01", "--since '2026-13-01': expected a UTC date or time")]
    public void Bad_selection_values_are_errors_naming_the_flag_and_value(string? commit, string? since, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => RunSelection.Parse(null, commit, since));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Selections_that_leave_nothing_say_what_was_there()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("mobilenetv2", "end-to-end", 900)]);

        var commit = Assert.Throws<InvalidDataException>(() => RunSelection.Parse(null, "dddd444", null).Select(Root));
        Assert.Equal($"--commit 'dddd444': no run folder under {Root} was made at that commit (run ids end with -<commit> or -nogit; commits found: aaaa111).", commit.Message);
        var since = Assert.Throws<InvalidDataException>(() => RunSelection.Parse(null, null, "2027-01-01").Select(Root));
        Assert.StartsWith($"--since '2027-01-01': no run folder under {Root} started at or after 2027-01-01T00:00:00Z", since.Message, StringComparison.Ordinal);
        Assert.EndsWith("the newest is 20261101-100000-aaaa111).", since.Message, StringComparison.Ordinal);
        var named = Assert.Throws<InvalidDataException>(() => RunSelection.Parse(["nope"], null, null).Select(Root));
        Assert.StartsWith($"run folder 'nope': not found (also tried {Path.Combine(Root, "nope")})", named.Message, StringComparison.Ordinal);
        string empty = Directory.CreateDirectory(Path.Combine(Root, Gpu, "20261105-000000-eeee555")).FullName;
        var noCsv = Assert.Throws<InvalidDataException>(() => RunSelection.Parse([empty], null, null).Select(Root));
        Assert.StartsWith($"run folder '{empty}': no edgebench.csv", noCsv.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_precision_view_takes_each_precisions_best_and_their_ratio()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111",
        [
            Case("ssd300", "end-to-end", 428, batch: 8),
            Case("ssd300", "end-to-end-cuda-kernels-pipelined", 1735, batch: 8),
            Case("ssd300", "end-to-end-cuda-kernels-pipelined", 2104, precision: "fp16", batch: 8),
            Case("mobilenetv2", "end-to-end", 260),
            Case("mobilenetv2", "end-to-end", 130, precision: "fp16"),
        ]);
        RunFolder[] runs = RunSelection.All.Select(Root).Select(RunFolder.Open).ToArray();
        IReadOnlyList<DeviceMeasurements> devices = DevicesTable.Measure(runs);

        IReadOnlyList<DevicePrecisionRow> rows = DevicePrecisionTable.Build(devices);
        ReportTable table = DevicePrecisionTable.ToTable(rows, DevicePrecisionTable.Precisions(devices));

        Assert.Equal(["fp32", "fp16"], DevicePrecisionTable.Precisions(devices));
        DevicePrecisionRow ssd = rows.Single(r => r.Model == "ssd300");
        Assert.Equal(2104.0 / 1735, ssd.SpeedOverFp32("fp16")!.Value, 12);
        Assert.Equal(0.5, rows.Single(r => r.Model == "mobilenetv2").SpeedOverFp32("fp16")!.Value, 12);
        Assert.Equal(["device", "model", "fp32 FPS", "fp32 pipeline", "fp16 FPS", "fp16 pipeline", "fp16/fp32 speed"], table.Headers);
        Assert.Equal([Gpu, "ssd300", "1735", "end-to-end-cuda-kernels-pipelined b8 onnxruntime/cuda", "2104", "end-to-end-cuda-kernels-pipelined b8 onnxruntime/cuda", "1.21x"], table.Rows[1]);
    }

    [Fact]
    public void The_chart_axis_turns_logarithmic_when_devices_differ_by_much()
    {
        Assert.Equal(AxisScale.Log10, ChartScale.Choose([2584, 0.09, null]));
        Assert.Equal(AxisScale.Linear, ChartScale.Choose([2584, 260, null]));
        Assert.Equal(AxisScale.Linear, ChartScale.Choose([null]));

        IReadOnlyList<DeviceRow> rows = Build();
        GroupedBars fps = ReportCharts.DevicesFps(rows);
        Assert.Equal(AxisScale.Log10, fps.Scale);
        Assert.StartsWith("Logarithmic value axis", ChartScale.Caption(fps), StringComparison.Ordinal);
    }

    [Fact]
    public void The_fastest_end_to_end_case_is_shown_with_power_energy_and_price()
    {
        DeviceRow ssd = Row(Build(), Jetson, "ssd300");

        Assert.Equal("fp32 b4 onnxruntime/cuda", ssd.Configuration);
        Assert.Equal("end-to-end", ssd.Pipeline);
        Assert.Equal(2.57, ssd.Fps);
        Assert.Equal(1556.4 / 4, ssd.FrameMedianMs!.Value, 6);
        Assert.Equal(2.57 / 7.6, ssd.FpsPerWatt!.Value, 9);
        Assert.Equal(11828.64 / 4, ssd.EnergyPerFrameMj!.Value, 6);
        Assert.Equal(2.57 / 99, ssd.FpsPerDollar!.Value, 9);
        Assert.Equal(472, ssd.Catalog!.PeakGflops);
        Assert.StartsWith("https://", ssd.Catalog.SourceUrl, StringComparison.Ordinal);
    }

    [Fact]
    public void Energy_per_frame_falls_back_to_power_times_time()
    {
        DeviceRow mobileNet = Row(Build(), Jetson, "mobilenetv2");

        Assert.Null(mobileNet.Case!.EnergyMj);
        Assert.Equal(6.2 * 32.26, mobileNet.EnergyPerFrameMj!.Value, 9);
    }

    [Fact]
    public void Missing_measurements_are_absent_not_zero()
    {
        IReadOnlyList<DeviceRow> rows = Build();
        ReportTable table = DevicesTable.ToTable(rows);

        IReadOnlyList<string> piMobileNet = table.Rows[4];
        Assert.Equal(Pi, piMobileNet[0]);
        Assert.StartsWith("skipped: ", piMobileNet[2], StringComparison.Ordinal);
        Assert.Equal(["absent", "absent", "absent", "absent"], piMobileNet.Skip(3).Take(4));
        Assert.Equal("absent", table.CsvRows[4][table.CsvHeaders.ToList().IndexOf("status")]);
        Assert.Equal(string.Empty, table.CsvRows[4][table.CsvHeaders.ToList().IndexOf("fps")]);
    }

    [Fact]
    public void A_run_without_a_power_sampler_says_not_measured_but_still_gets_fps_per_dollar()
    {
        IReadOnlyList<DeviceRow> rows = Build();
        ReportTable table = DevicesTable.ToTable(rows);

        DeviceRow piSsd = Row(rows, Pi, "ssd300");
        Assert.Equal("Raspberry Pi 3 Model B", piSsd.Catalog!.Name);
        Assert.Equal(0.09 / 35, piSsd.FpsPerDollar!.Value, 12);
        IReadOnlyList<string> cells = table.Rows[5];
        Assert.Equal(["0.090", "batch / mean call"], cells.Skip(4).Take(2));
        Assert.Equal(["not measured", "not measured", "not measured", "not measured (of 922)", "not measured", "35.0", "0.0026", "21.4"], cells.Skip(7).Take(8));

        DeviceRow amdSsd = Row(rows, "amd-epyc", "ssd300");
        Assert.NotNull(amdSsd.Fps);
        Assert.Null(amdSsd.PowerW);
        Assert.Null(amdSsd.Catalog);
    }

    [Fact]
    public void A_precision_filter_picks_that_precision()
    {
        DeviceRow ssd = Row(Build(precision: "fp16"), Jetson, "ssd300");

        Assert.Equal("fp16 b1 onnxruntime/cuda", ssd.Configuration);
        Assert.Equal(1.20, ssd.Fps);
    }

    [Theory]
    [InlineData("nvidia-jetson-nano-developer-kit", "NVIDIA Jetson Nano 4GB Developer Kit")]
    [InlineData("raspberry-pi-3-model-b-rev-1-2", "Raspberry Pi 3 Model B")]
    [InlineData("raspberry-pi-3-model-b-plus-rev-1-3", "Raspberry Pi 3 Model B+")]
    [InlineData("raspberry-pi-5-model-b-rev-1-0", "Raspberry Pi 5 (4 GB)")]
    [InlineData("nvidia-jetson-orin-nano-developer-kit", "NVIDIA Jetson Orin Nano Super Developer Kit")]
    [InlineData("raspberry-pi-3-model-bx", null)]
    [InlineData("amd-epyc", null)]
    public void The_catalog_matches_exactly_or_by_the_longest_prefix(string deviceId, string? name) =>
        Assert.Equal(name, DeviceCatalog.Read(RunFixtures.Catalog).Find(deviceId)?.Name);

    [Fact]
    public void Every_catalog_entry_says_where_its_numbers_come_from()
    {
        IReadOnlyList<CatalogDevice> devices = DeviceCatalog.Read(RunFixtures.Catalog).Devices;

        Assert.All(devices, d => Assert.StartsWith("https://", d.SourceUrl, StringComparison.Ordinal));
        Assert.All(devices, d => Assert.Contains("list price", d.Source, StringComparison.Ordinal));
        Assert.All(devices, d => Assert.NotNull(d.PriceUsd));
    }

    [Fact]
    public void The_report_writes_tables_and_charts_under_reports()
    {
        foreach (string device in Directory.GetDirectories(RunFixtures.ResultsRoot))
        {
            RunFixtures.CopyTo(device, Root);
        }

        File.Copy(RunFixtures.Catalog, Path.Combine(Root, "devices.csv"));

        (IReadOnlyList<string> files, string markdown) = ReportWriter.WriteDevices(Root, RunSelection.All, catalogPath: null);

        Assert.Equal(
        [
            "devices.md", "devices.csv", "devices-precision.csv", "devices-fps.png", "devices-fps.svg", "devices-precision.png", "devices-precision.svg",
            "devices-fps-vs-power.png", "devices-fps-vs-power.svg", "devices-fps-per-watt.png", "devices-fps-per-watt.svg",
            "devices-fps-per-dollar.png", "devices-fps-per-dollar.svg",
        ], files.Select(Path.GetFileName));
        Assert.All(files, f => Assert.Equal(Path.Combine(Root, "reports"), Path.GetDirectoryName(f)));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100, f));
        Assert.Contains("the committed device catalog", markdown, StringComparison.Ordinal);
        Assert.Contains($"| {Jetson} | ssd300 | end-to-end | fp32 b4 onnxruntime/cuda | 2.57 | batch / mean call |", markdown, StringComparison.Ordinal);
        Assert.Contains("Logarithmic value axis", markdown, StringComparison.Ordinal);
        Assert.Contains("## Precision per device", markdown, StringComparison.Ordinal);
        Assert.Contains("<https://", markdown, StringComparison.Ordinal);

        // A second report over the same root ignores the reports folder it wrote.
        Assert.Equal(markdown, ReportWriter.WriteDevices(Root, RunSelection.All, catalogPath: null).Markdown);
    }

    [Fact]
    public void The_report_says_how_many_rows_come_from_another_environment()
    {
        WriteRun(Gpu, "20261101-100000-aaaa111", [Case("mobilenetv2", "end-to-end", 900)], onnxRuntime: "1.30.0");
        WriteRun(Gpu, "20261102-100000-bbbb222", [Case("ssd300", "end-to-end", 420)]);

        string markdown = ReportWriter.WriteDevices(Root, RunSelection.All, RunFixtures.Catalog).Markdown;

        Assert.Contains("**1 row(s) come from a run whose environment differs from the device's newest run**", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_environment_in_one_device_is_an_error_naming_the_file()
    {
        string device = RunFixtures.CopyTo(Path.Combine(RunFixtures.ResultsRoot, Pi), Root);
        string environment = Directory.GetFiles(device, "environment.json", SearchOption.AllDirectories).Single();
        File.WriteAllText(environment, "[1, 2");

        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.WriteDevices(Root, RunSelection.All, RunFixtures.Catalog));
        Assert.StartsWith(environment + ": not a valid environment.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catalog_with_a_bad_price_is_an_error_naming_file_line_and_column()
    {
        string catalog = Path.Combine(_directory, "devices.csv");
        File.WriteAllText(catalog, "device_id,name,price_usd,peak_gflops\nx,X,$35,1\n");

        var e = Assert.Throws<InvalidDataException>(() => DeviceCatalog.Read(catalog));
        Assert.Equal($"{catalog}: line 2, column price_usd: '$35' is not a number (invariant culture, e.g. 0.998).", e.Message);
    }

    [Fact]
    public void A_root_without_runs_is_an_error_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "some-device", "20260101-000000-abc1234"));

        var e = Assert.Throws<InvalidDataException>(() => RunSelection.All.Select(_directory));
        Assert.StartsWith(_directory + ": no run folder with an edgebench.csv", e.Message, StringComparison.Ordinal);
    }
}
