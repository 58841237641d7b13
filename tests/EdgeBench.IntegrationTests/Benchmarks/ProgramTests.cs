using BenchmarkDotNet.Configs;
using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>The benchmark program as a user runs it (dry, in-process): run folder, environment, results, accuracy.</summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class ProgramTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-program-").FullName;
    private readonly string? _savedModels = Environment.GetEnvironmentVariable(EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable);

    public ProgramTests()
    {
        Environment.SetEnvironmentVariable(EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable, Path.Combine(_root, "models"));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable, _savedModels);
        // Program.Run publishes every option for the cases (RunSettings.Export): none may leak into the next test.
        foreach (string variable in RunSettings.Options.Select(o => o.Variable).Append(RunSettings.RunDirectoryVariable))
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Directory.Delete(_root, recursive: true);
    }

    private static IConfig AllowDebugBuild(IConfig config) =>
        ManualConfig.Create(config).WithOptions(ConfigOptions.DisableOptimizationsValidator);

    /// <summary>
    /// What a person sees of that run (stdout is not a terminal here, as in a CI log): one progress line per case, then
    /// the end screen, also in summary.md; BenchmarkDotNet's per-iteration log went to the run folder.
    /// </summary>
    private static void AssertEndScreen(string run, string output)
    {
        string[] lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(run, ResultsCsv.FileName));
        string[] progress = lines.Where(l => l.StartsWith('[')).ToArray();
        Assert.Equal(rows.Count, progress.Length);
        Assert.StartsWith($"[ 1/{rows.Count}] ", progress[0], StringComparison.Ordinal);
        Assert.Contains(progress, l => l.Contains(" ok      MobileNetBenchmarks.SingleStream(mobilenetv2, fp32, 1, ort-cpu)  ", StringComparison.Ordinal));
        Assert.Contains(progress, l => l.Contains(" skipped MobileNetBenchmarks.", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("// Benchmark:", StringComparison.Ordinal) || l.StartsWith("WorkloadActual", StringComparison.Ordinal));
        Assert.Contains("// Benchmark:", File.ReadAllText(Path.Combine(run, "benchmarkdotnet.log")), StringComparison.Ordinal);

        // The end screen: the model's best end-to-end row, the scenario rows, the skip reasons grouped, the files.
        string screen = string.Join('\n', lines.SkipWhile(l => !l.StartsWith("EdgeBench on test-device", StringComparison.Ordinal)));
        Assert.Matches(@"EdgeBench on test-device \(.*\): \d+ ok, \d+ skipped, 0 failed in \d+m\d\ds", screen);
        Assert.Matches(@"\n  mobilenetv2 +fp(32|16) b1 ort-cpu", screen);
        Assert.Contains("  mobilenetv2  single-stream", screen, StringComparison.Ordinal);
        foreach (IGrouping<string, ResultRow> reason in rows.Where(r => r.Status == CaseStatus.Skipped).GroupBy(r => r.Reason))
        {
            // e.g. "   5 x not in the default run: libtorch's CPU fp16 kernels ...": one line per reason, with its count
            Assert.Contains($"{reason.Count(),4} x {reason.Key[..40]}", screen, StringComparison.Ordinal);
        }

        Assert.Contains($"Files in {run}", screen, StringComparison.Ordinal);
        Assert.InRange(screen.Split('\n').Length, 10, 40);
        Assert.True(lines.Length <= 80, $"{lines.Length} lines printed; at most 80 expected for one model at batch 1");

        string summary = File.ReadAllText(Path.Combine(run, "summary.md"));
        Assert.StartsWith("# EdgeBench on test-device", summary, StringComparison.Ordinal);
        Assert.Contains("| mobilenetv2 | single-stream |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filtered_run_writes_one_run_folder_with_environment_results_and_accuracy()
    {
        string results = Path.Combine(_root, "results");

        (int exitCode, string output, _) = ProgramConsole.Run(
            ["--filter", "*MobileNet*", "--batch", "1", "--device-id", "test-device", "--results", results, "--job", "dry", "--inProcess", "--min-duration", "0s", "--camera-fps", "200"],
            AllowDebugBuild);

        Assert.Equal(0, exitCode);
        string run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "test-device")));
        AssertEndScreen(run, output);
        Assert.Matches(@"^\d{8}-\d{6}-([0-9a-f]{7}|nogit)$", Path.GetFileName(run));

        EnvironmentInfo environment = EnvironmentInfo.Read(Path.Combine(run, EnvironmentInfo.FileName));
        Assert.Equal("test-device", environment.DeviceId);
        Assert.Contains("CPUExecutionProvider", environment.OnnxRuntimeProviders);
        Assert.False(string.IsNullOrEmpty(environment.OnnxRuntimeVersion));
        Assert.Equal("synthetic 640x480 video (seed 1)", environment.Footage);

        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(run, ResultsCsv.FileName));
        ResultRow[] ort = rows.Where(r => r.Backend == "onnxruntime").ToArray();
        // 8 stages in fp32 and fp16, inference and end-to-end in int8 (its other stages are fp32's code: CaseFilter),
        // 2 scenarios (single-stream, camera) and 5 cold-start rows in fp32: the precision list is the default.
        Assert.Equal(25, ort.Length);
        Assert.Equal(["end-to-end", "inference"], ort.Where(r => r.Precision == "int8").Select(r => r.Stage).Order(StringComparer.Ordinal));
        Assert.All(ort, r => Assert.Equal(CaseStatus.Ok, r.Status));
        Assert.Equal(5, ort.Count(r => r.Stage.StartsWith("cold-start-", StringComparison.Ordinal) && r.Precision == "fp32" && r.MaxMs >= r.MedianMs));

        // The default backend list also runs torchsharp-cpu: its 5 stages in fp32, its fp16 and int8 skipped (see
        // RunSettings, Int8Calibration); scenarios run on ONNX Runtime only unless the backend is named (CaseFilter).
        ResultRow[] torch = rows.Where(r => r.Backend == "torchsharp").ToArray();
        Assert.Equal(12, torch.Length);
        if (EdgeBench.Inference.TorchSharp.TorchSharpAvailability.Check().Available)
        {
            Assert.All(torch, r => Assert.Equal(r.Precision == "fp32" ? CaseStatus.Ok : CaseStatus.Skipped, r.Status));
            Assert.True(File.Exists(Path.Combine(run, "reports", "backends.md")), "a run with both engines writes reports/backends.md");
        }
        else
        {
            Assert.All(torch, r => Assert.Equal(CaseStatus.Skipped, r.Status));
        }

        string[] accuracy = File.ReadAllLines(Path.Combine(run, EdgeBench.Reporting.Runs.SideFiles.AccuracyFileName));
        Assert.StartsWith("model,precision,backend,ep,batch,images,cosine_min", accuracy[0], StringComparison.Ordinal);
        foreach ((string line, string precision) in accuracy.Skip(1).Zip((string[])["fp16", "int8"]))
        {
            string[] mobilenet = line.Split(',');
            Assert.Equal(("mobilenetv2", precision), (mobilenet[0], mobilenet[1]));
            Assert.InRange(double.Parse(mobilenet[6], System.Globalization.CultureInfo.InvariantCulture), 0.99, 1.0);
        }

        Assert.Equal(3, accuracy.Length);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, EdgeBench.Reporting.Runs.SideFiles.ModelsFileName)).Length);
    }

    [Fact]
    public void A_filter_that_matches_nothing_leaves_no_folder_behind()
    {
        string results = Path.Combine(_root, "results");

        int exitCode = Program.Run(["--filter", "*NoSuchBenchmark*", "--results", results, "--device-id", "d"], AllowDebugBuild);

        Assert.Equal(0, exitCode);
        Assert.Empty(Directory.GetDirectories(Path.Combine(results, "d")));
    }

    [Fact]
    public void A_bad_option_exits_1_before_anything_runs()
    {
        string results = Path.Combine(_root, "results");

        Assert.Equal(1, Program.Run(["--batch", "zero", "--results", results], AllowDebugBuild));
        Assert.False(Directory.Exists(results));
    }

    [Fact]
    public void A_jpeg_folder_as_frames_runs_and_the_run_folder_records_it()
    {
        string results = Path.Combine(_root, "results");
        string footage = Directory.CreateDirectory(Path.Combine(_root, "jpegs")).FullName;
        var video = new EdgeBench.Preprocessing.SyntheticVideo(160, 120, seed: 5);
        for (int i = 0; i < 3; i++)
        {
            byte[] rgb = new byte[video.FrameBytes];
            video.Render(i, rgb);
            WriteJpeg(rgb, 160, 120, Path.Combine(footage, $"{i:D4}.jpg"));
        }

        int exitCode = Program.Run(
            ["--filter", "*MobileNet*EndToEnd*", "--frames", footage, "--backend", "ort-cpu", "--precision", "fp32", "--batch", "1",
                "--device-id", "d", "--results", results, "--job", "dry", "--inProcess", "--min-duration", "0s", "--camera-fps", "200"],
            AllowDebugBuild);

        Assert.Equal(0, exitCode);
        string run = Assert.Single(Directory.GetDirectories(Path.Combine(results, "d")));
        EnvironmentInfo environment = EnvironmentInfo.Read(Path.Combine(run, EnvironmentInfo.FileName));
        Assert.Equal($"images {footage}: 160x120, 3 frames decoded", environment.Footage);
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(Path.Combine(run, ResultsCsv.FileName));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(CaseStatus.Ok, r.Status));
    }

    [Fact]
    public void Bad_footage_exits_1_naming_the_file_before_any_case_and_leaves_no_run_folder()
    {
        string results = Path.Combine(_root, "results");
        string truncated = Path.Combine(_root, "cut.y4m");
        File.WriteAllBytes(truncated, [.. "YUV4MPEG2 W4 H4 C420\nFRAME\n"u8, 1, 2, 3]);
        string jpegs = Directory.CreateDirectory(Path.Combine(_root, "jpegs")).FullName;
        string corrupt = Path.Combine(jpegs, "0001.jpg");
        File.WriteAllBytes(corrupt, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        string empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        foreach ((string path, string expected) in (ReadOnlySpan<(string, string)>)[
            (truncated, $"error: --frames: {truncated}: frame 0 is truncated: expected 24 bytes"),
            (jpegs, $"error: --frames: {corrupt}: "),
            (empty, $"error: --frames: {empty}: no .jpg, .jpeg, .png or .ppm files")])
        {
            TextWriter saved = Console.Error;
            using var errors = new StringWriter();
            Console.SetError(errors);
            int exitCode;
            try
            {
                exitCode = Program.Run(["--filter", "*MobileNet*EndToEnd*", "--frames", path, "--results", results, "--job", "dry", "--inProcess"], AllowDebugBuild);
            }
            finally
            {
                Console.SetError(saved);
            }

            Assert.Equal(1, exitCode);
            Assert.StartsWith(expected, errors.ToString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(results), "no run folder for bad footage");
        }
    }

    private static void WriteJpeg(byte[] rgb, int width, int height, string path)
    {
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(width, height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque));
        Span<byte> rgba = bitmap.GetPixelSpan();
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            (rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]) = (rgb[q], rgb[q + 1], rgb[q + 2], 255);
        }

        using SkiaSharp.SKData data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
    }
}
