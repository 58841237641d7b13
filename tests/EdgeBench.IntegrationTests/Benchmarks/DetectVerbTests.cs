using System.Text.Json;
using EdgeBench.Benchmarks;
using EdgeBench.Core.Imaging;
using EdgeBench.Footage;
using EdgeBench.Models.Onnx;
using EdgeBench.Models.Zoo;
using EdgeBench.Preprocessing;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A user's own <c>yolov8n.onnx</c> (an Ultralytics-shaped export: input <c>images</c> [1,3,640,640], output
/// <c>output0</c> [1,84,8400]) with the issue's contract sidecar, in a models folder that holds nothing else: the
/// <c>detect</c> verb and a dry run of every stage take it. The model outputs one known box whatever the frame (a
/// constant head behind a zero-weighted use of the input), so the box <c>detect</c> writes can be computed by hand
/// through the head, the resize and the mapping back to frame pixels.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class DetectVerbTests : IDisposable
{
    private const int Anchors = 8400;
    private const int Classes = 80;

    // The one box, in model-input pixels: centre (320, 320), 100 x 50, class 3 at 0.9; every other score 0.
    private const float Cx = 320, Cy = 320, W = 100, H = 50, Score = 0.9f;
    private const int ClassId = 3, Anchor = 1234;

    private readonly EnvironmentScope _environment = new();
    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-detect-").FullName;

    public DetectVerbTests()
    {
        // Program.Run publishes every option for the cases (RunSettings.Export): the scope puts them all back, so no
        // --model leaks into the next test's run.
        foreach (string variable in EdgeBench.Benchmarks.Infrastructure.RunSettings.Options.Select(o => o.Variable).Append(EdgeBench.Benchmarks.Infrastructure.RunSettings.RunDirectoryVariable))
        {
            _environment.Set(variable, null);
        }

        _environment.Set(ModelStore.ModelsDirectoryVariable, Path.Combine(_root, "models"));
        Directory.CreateDirectory(Path.Combine(_root, "models"));
        Directory.CreateDirectory(Path.Combine(_root, "frames"));
        WriteConstantYoloV8(Path.Combine(_root, "models", "yolov8n.onnx"));
        // A 1280 x 720 frame: not the model's aspect ratio, so stretch and letterbox map differently.
        var video = new SyntheticVideo(1280, 720, seed: 5);
        byte[] rgb = new byte[video.FrameBytes];
        video.Render(0, rgb);
        AnnotatedImage.WritePng(Path.Combine(_root, "frames", "street.png"), rgb, 1280, 720, []);
    }

    public void Dispose()
    {
        _environment.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Detect_with_the_contract_sidecar_writes_the_box_in_frame_pixels()
    {
        WriteSidecar("""
            {"family":"detector","input":{"name":"images","shape":[1,3,640,640],"layout":"nchw"},"normalization":{"mean":[0,0,0],"std":[1,1,1]},"resize":"stretch","channel_order":"rgb","outputs":[{"name":"output0","shape":[1,84,8400]}],"postprocess":"yolov8","score_threshold":0.25,"iou_threshold":0.45}
            """);

        JsonElement detection = Assert.Single(Detect().GetProperty("detections").EnumerateArray());

        // Stretch: x scales by 1280/640 = 2, y by 720/640 = 1.125. Box 270..370 x 295..345 in the input.
        Assert.Equal(ClassId, detection.GetProperty("class_id").GetInt32());
        Assert.False(detection.TryGetProperty("class_name", out _)); // the contract sidecar names no classes
        Assert.Equal(Score, detection.GetProperty("score").GetSingle(), 4);
        Assert.Equal([540, 331.88, 740, 388.13], Box(detection), new Tolerance(0.01));
        Assert.True(File.Exists(Path.Combine(_root, "out", "street.png.annotated.png")));
    }

    [Fact]
    public void Detect_maps_a_letterboxed_box_back_and_names_its_class()
    {
        string names = string.Join(",", Enumerable.Range(0, Classes).Select(i => $"\"class-{i}\""));
        WriteSidecar($$"""
            {"family":"detector","input":{"name":"images","shape":[1,3,640,640]},"normalization":{"mean":[0,0,0],"std":[1,1,1]},"resize":"letterbox","outputs":[{"name":"output0","shape":[1,84,8400]}],"postprocess":"yolov8","class_names":[{{names}}]}
            """);

        JsonElement detection = Assert.Single(Detect().GetProperty("detections").EnumerateArray());

        // Letterbox: gain min(640/1280, 640/720) = 0.5, content 640 x 360 below a 140-row band. x: 270/0.5 = 540 ..
        // 370/0.5 = 740; y: (295 - 140)/0.5 = 310 .. (345 - 140)/0.5 = 410.
        Assert.Equal("class-3", detection.GetProperty("class_name").GetString());
        Assert.Equal([540, 310, 740, 410], Box(detection), new Tolerance(0.01));
    }

    [Fact]
    public void A_user_yolov8n_with_the_contract_sidecar_runs_every_stage_in_both_precisions()
    {
        WriteSidecar("""
            {"family":"detector","input":{"name":"images","shape":[1,3,640,640],"layout":"nchw"},"normalization":{"mean":[0,0,0],"std":[1,1,1]},"resize":"stretch","channel_order":"rgb","outputs":[{"name":"output0","shape":[1,84,8400]}],"postprocess":"yolov8","score_threshold":0.25,"iou_threshold":0.45}
            """);
        string results = Path.Combine(_root, "results");

        int exitCode = Program.Run(
            ["--model", "yolov8n", "--backend", "ort-cpu", "--device-id", "test", "--results", results, "--job", "dry", "--inProcess", "--min-duration", "0s", "--camera-fps", "200"],
            config => BenchmarkDotNet.Configs.ManualConfig.Create(config).WithOptions(BenchmarkDotNet.Configs.ConfigOptions.DisableOptimizationsValidator));

        Assert.Equal(0, exitCode);
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(Assert.Single(Directory.GetDirectories(Path.Combine(results, "test"))), ResultsCsv.FileName));
        Assert.All(rows, r => Assert.Equal("yolov8n", r.Model));
        ResultRow[] ok = [.. rows.Where(r => r.Status == CaseStatus.Ok)];
        foreach (string precision in (string[])["fp32", "fp16"])
        {
            string[] stages = [.. ok.Where(r => r.Precision == precision && r.Scenario.Length == 0 && !r.Stage.StartsWith("cold-start-", StringComparison.Ordinal)).Select(r => r.Stage).Order()];
            Assert.Equal(["end-to-end", "inference", "postprocess", "postprocess-naive", "preprocess", "preprocess-memcpy", "preprocess-scalar-reference", "to-tensor"], stages);
        }

        // --model names it, so its cold start runs too (batch 1, fp32: the default lists'), in fresh processes.
        Assert.Equal(5, ok.Count(r => r.Stage.StartsWith("cold-start-", StringComparison.Ordinal) && r.Precision == "fp32" && r.Batch == 1));

        // The export fixes batch 1: the default batch 4 is skipped with that reason, not failed.
        ResultRow[] batch4 = [.. rows.Where(r => r.Batch == 4)];
        Assert.NotEmpty(batch4);
        Assert.All(batch4, r => Assert.Equal((CaseStatus.Skipped, true), (r.Status, r.Reason.Contains("fixes the batch at 1", StringComparison.Ordinal))));
        Assert.DoesNotContain(rows, r => r.Status == CaseStatus.Failed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_ssd_with_its_own_anchors_decodes_against_them(bool anchorsLast)
    {
        // 128x128 input, maps 8x8 (stride 16) and 4x4 (stride 32), scales 20, 50, 90 px, aspect ratio 2 on both:
        // 8²·4 + 4²·4 = 320 boxes, 21 classes (background first). One box scores: box 100, class 5, logit 10. Laid out
        // as SSD300 ([N,4,A], [N,C,A]) or as torchvision's head ([N,A,4], [N,A,C]).
        WriteConstantSsd(Path.Combine(_root, "models", "mini-ssd.onnx"), boxes: 320, classes: 21, box: 100, classId: 5, anchorsLast);
        string outputs = anchorsLast
            ? """[{"name":"locs","shape":[1,320,4]},{"name":"scores","shape":[1,320,21]}]"""
            : """[{"name":"locs","shape":[1,4,320]},{"name":"scores","shape":[1,21,320]}]""";
        File.WriteAllText(Path.Combine(_root, "models", "mini-ssd.json"), $$$"""
            {"family":"detector","input":{"name":"images","shape":[1,3,128,128]},"normalization":{"mean":[0.5,0.5,0.5],"std":[0.5,0.5,0.5]},
             "outputs":{{{outputs}}},"postprocess":"ssd",
             "ssd_anchors":{"figure_size":128,"feature_maps":[8,4],"steps":[16,32],"scales":[20,50,90],"aspect_ratios":[[2],[2]],"variances":[0.1,0.2],
               "layout":"{{{(anchorsLast ? "anchors_last" : "anchors_first")}}}"}}
            """);

        (int exitCode, string error) = RunDetect("--model", "mini-ssd", "--input", Path.Combine(_root, "frames"));

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "out", "detections.json")));
        JsonElement detection = Assert.Single(Assert.Single(json.RootElement.GetProperty("frames").EnumerateArray()).GetProperty("detections").EnumerateArray());
        // Box 100 = the map's second size (100 / 64 = 1: sqrt(20·50)/128 = 0.247053) at cell 36 (row 4, column 4):
        // centre (4.5 / 8) = 0.5625, so l = t = 0.438974, r = b = 0.686026 of the frame; zero offsets decode to the
        // default box itself. x by 1280, y by 720. Softmax of logit 10 against 20 zeros: 0.999093.
        Assert.Equal(5, detection.GetProperty("class_id").GetInt32());
        Assert.Equal(0.999093, detection.GetProperty("score").GetDouble(), 5);
        Assert.Equal([561.89, 316.06, 878.11, 493.94], Box(detection), new Tolerance(0.02));

        // Every stage runs on those anchors: the naive twin, the recorded-style outputs and the scenarios too.
        string results = Path.Combine(_root, "results");
        int runExit = Program.Run(
            ["--model", "mini-ssd", "--batch", "1", "--precision", "fp32", "--backend", "ort-cpu", "--device-id", "test", "--results", results, "--job", "dry", "--inProcess", "--min-duration", "0s", "--camera-fps", "200"],
            config => BenchmarkDotNet.Configs.ManualConfig.Create(config).WithOptions(BenchmarkDotNet.Configs.ConfigOptions.DisableOptimizationsValidator));
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(Assert.Single(Directory.GetDirectories(Path.Combine(results, "test"))), ResultsCsv.FileName));
        Assert.All(rows, r => Assert.True(r.Status == CaseStatus.Ok, $"{r.Benchmark}: {r.Status} {r.Reason}"));
        Assert.Contains(rows, r => r.Stage == "postprocess-naive" && r.Status == CaseStatus.Ok);
        Assert.Equal(0, runExit);

        // The anchors must make the boxes the outputs hold.
        File.WriteAllText(Path.Combine(_root, "models", "mini-ssd.json"), File.ReadAllText(Path.Combine(_root, "models", "mini-ssd.json")).Replace("[8,4]", "[8,2]", StringComparison.Ordinal));
        (int badCode, string badError) = RunDetect("--model", "mini-ssd", "--input", Path.Combine(_root, "frames"));
        Assert.Equal(1, badCode);
        Assert.Contains("mini-ssd.json", badError, StringComparison.Ordinal);
        Assert.Contains("ssd_anchors make 272 boxes", badError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_input_or_model_is_one_line_naming_it()
    {
        WriteSidecar("""
            {"family":"detector","input":{"name":"images","shape":[1,3,640,640]},"normalization":{"mean":[0,0,0],"std":[1,1,1]},"outputs":[{"name":"output0","shape":[1,84,8400]}],"postprocess":"yolov8"}
            """);
        File.WriteAllBytes(Path.Combine(_root, "frames", "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00]);

        (int badImage, string imageError) = RunDetect("--model", "yolov8n", "--input", Path.Combine(_root, "frames", "broken.jpg"));
        (int badModel, string modelError) = RunDetect("--model", "yolov9", "--input", Path.Combine(_root, "frames"));

        Assert.Equal((1, 1), (badImage, badModel));
        Assert.StartsWith($"error: {Path.Combine(_root, "frames", "broken.jpg")}: ", imageError, StringComparison.Ordinal);
        Assert.Contains("'yolov9'", modelError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "out", "detections.json")));
    }

    private static double[] Box(JsonElement detection) => [.. detection.GetProperty("box").EnumerateArray().Select(v => v.GetDouble())];

    private JsonElement Detect()
    {
        (int exitCode, string error) = RunDetect("--model", "yolov8n", "--input", Path.Combine(_root, "frames"));
        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "out", "detections.json")));
        JsonElement frame = Assert.Single(json.RootElement.GetProperty("frames").EnumerateArray());
        Assert.Equal(("street.png", 1280, 720), (frame.GetProperty("frame").GetString(), frame.GetProperty("width").GetInt32(), frame.GetProperty("height").GetInt32()));
        return frame.Clone();
    }

    private (int ExitCode, string Error) RunDetect(params string[] arguments)
    {
        var error = new StringWriter();
        int exitCode = EdgeBench.Benchmarks.Verbs.VerbDispatcher.TryRun(["detect", .. arguments, "--out", Path.Combine(_root, "out")], TextWriter.Null, error, out int code) ? code : -1;
        return (exitCode, error.ToString());
    }

    private void WriteSidecar(string json) => File.WriteAllText(Path.Combine(_root, "models", "yolov8n.json"), json);

    /// <summary>
    /// output0 = images[:, :1, :1, :1] x 0 + C: the input is used (ONNX Runtime keeps the graph) but cannot change the
    /// output, which is the constant C holding one box at <see cref="Anchor"/>.
    /// </summary>
    private static void WriteConstantYoloV8(string path)
    {
        var g = new OnnxGraphBuilder("constant-yolov8", seed: 1);
        string zero = ZeroFromInput(g, 640);
        float[] head = new float[(4 + Classes) * Anchors];
        head[(0 * Anchors) + Anchor] = Cx;
        head[(1 * Anchors) + Anchor] = Cy;
        head[(2 * Anchors) + Anchor] = W;
        head[(3 * Anchors) + Anchor] = H;
        head[((4 + ClassId) * Anchors) + Anchor] = Score;
        string output = g.Add("output0_sum", zero, g.Constant("head", [1, 4 + Classes, Anchors], head));
        g.Output(output, "output0", 1, 4 + Classes, Anchors);
        OnnxFiles.WriteAtomically(g.Build("test", "a constant YOLOv8-shaped head for the detect verb's tests"), path);
    }

    /// <summary>
    /// A [1,1,1] zero computed from the input <c>images</c> [1,3,size,size] (its first channel's mean times 0): the input
    /// is used, so ONNX Runtime keeps it, yet it cannot change what is added to the zero.
    /// </summary>
    private static string ZeroFromInput(OnnxGraphBuilder g, int size)
    {
        string pooled = g.Reshape("pooled", g.GlobalAveragePool("gap", g.Input("images", 1, 3, size, size)), 1, 3, 1);
        return g.Mul("zero", g.Split("channels", pooled, 1, 1, 2)[0], g.Constant("zero_scale", 0f));
    }

    /// <summary>locs = 0 and scores = one logit of 10, both behind a zero-weighted use of the input (see above).</summary>
    private static void WriteConstantSsd(string path, int boxes, int classes, int box, int classId, bool anchorsLast)
    {
        var g = new OnnxGraphBuilder("constant-ssd", seed: 1);
        string zero = ZeroFromInput(g, 128);
        float[] scores = new float[classes * boxes];
        scores[anchorsLast ? (box * classes) + classId : (classId * boxes) + box] = 10f;
        long[] locShape = anchorsLast ? [1, boxes, 4] : [1, 4, boxes], scoreShape = anchorsLast ? [1, boxes, classes] : [1, classes, boxes];
        g.Output(g.Add("locs_sum", zero, g.Constant("locs_const", locShape, new float[4 * boxes])), "locs", locShape);
        g.Output(g.Add("scores_sum", zero, g.Constant("scores_const", scoreShape, scores)), "scores", scoreShape);
        OnnxFiles.WriteAtomically(g.Build("test", "a constant SSD-shaped head with its own anchors"), path);
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
