using EdgeBench.Reporting.Diff;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Tests.Reporting;

public sealed class RunDiffTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-diff-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly DiffOptions s_defaults = new();

    // Eight iterations like the edge job, with about 1% spread.
    private static readonly double[] s_base = [100_000, 100_900, 99_300, 100_400, 101_100, 99_800, 100_200, 99_600];

    private static double[] Scaled(double factor) => s_base.Select(v => v * factor).ToArray();

    [Fact]
    public void Identical_samples_are_unchanged() =>
        Assert.Equal(DiffVerdict.Unchanged, RunDiff.Test(s_base, s_base, s_defaults));

    [Fact]
    public void Ten_percent_slower_is_slower_at_five_percent() =>
        Assert.Equal(DiffVerdict.Slower, RunDiff.Test(s_base, Scaled(1.10), s_defaults));

    [Fact]
    public void Ten_percent_faster_is_faster_at_five_percent() =>
        Assert.Equal(DiffVerdict.Faster, RunDiff.Test(s_base, Scaled(0.90), s_defaults));

    [Fact]
    public void A_shift_inside_the_threshold_is_unchanged() =>
        Assert.Equal(DiffVerdict.Unchanged, RunDiff.Test(s_base, Scaled(1.02), s_defaults));

    [Fact]
    public void A_shift_below_the_noise_floor_is_unchanged_whatever_its_ratio()
    {
        // 100 µs -> 110 µs is 10%, but only 10 µs: below a 20 µs floor it is noise.
        Assert.Equal(DiffVerdict.Slower, RunDiff.Test(s_base, Scaled(1.10), s_defaults with { NoiseNanoseconds = 5_000 }));
        Assert.Equal(DiffVerdict.Unchanged, RunDiff.Test(s_base, Scaled(1.10), s_defaults with { NoiseNanoseconds = 20_000 }));
    }

    [Fact]
    public void A_larger_threshold_hides_a_smaller_change() =>
        Assert.Equal(DiffVerdict.Unchanged, RunDiff.Test(s_base, Scaled(1.10), s_defaults with { ThresholdPercent = 15 }));

    [Fact]
    public void Overlapping_noisy_samples_are_not_called_slower()
    {
        // The same spread of values in another order, one iteration 30% out: no shift of the distribution.
        double[] noisy = [100_400, 99_300, 130_000, 101_100, 99_600, 100_900, 100_200, 99_800];
        Assert.Equal(DiffVerdict.Unchanged, RunDiff.Test(s_base, noisy, s_defaults));
    }

    [Fact]
    public void One_sample_per_side_is_inconclusive() =>
        Assert.Equal(DiffVerdict.Inconclusive, RunDiff.Test([100_000], [200_000], s_defaults));

    [Theory]
    [InlineData("5%", 5)]
    [InlineData("5", 5)]
    [InlineData("2.5%", 2.5)]
    public void Thresholds_parse_in_the_invariant_culture(string text, double expected)
    {
        Assert.True(DiffOptions.TryParseThreshold(text, out double percent));
        Assert.Equal(expected, percent);
    }

    [Theory]
    [InlineData("0.3ms", 300_000)]
    [InlineData("500us", 500_000)]
    [InlineData("500µs", 500_000)]
    [InlineData("2000ns", 2_000)]
    [InlineData("0.001s", 1_000_000)]
    [InlineData("0.5", 500_000)]
    public void Noise_floors_parse_with_units(string text, double nanoseconds)
    {
        Assert.True(DiffOptions.TryParseNoise(text, out double value));
        Assert.Equal(nanoseconds, value, 6);
    }

    [Theory]
    [InlineData("five")]
    [InlineData("0%")]
    [InlineData("5,0%")]
    public void Bad_thresholds_are_rejected(string text) => Assert.False(DiffOptions.TryParseThreshold(text, out _));

    [Fact]
    public void Json_names_match_the_csv_names()
    {
        IReadOnlyDictionary<string, CaseSamples> samples = RawSamples.ReadRun(RunFixtures.SsdA);
        IReadOnlyList<EdgeBench.Reporting.Results.ResultRow> rows = EdgeBench.Reporting.Results.ResultsCsv.Read(Path.Combine(RunFixtures.SsdA, "edgebench.csv"));

        Assert.Equal(8, samples.Count);
        Assert.Equal(rows.Select(r => r.Benchmark).Order(StringComparer.Ordinal), samples.Keys.Order(StringComparer.Ordinal));
        Assert.All(samples.Values, s => Assert.InRange(s.NanosecondsPerOp.Count, 5, 8));
    }

    [Fact]
    public void Two_runs_of_the_same_build_on_this_machine_show_no_regression_at_5_percent()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.SsdA), DiffInput.Read(RunFixtures.SsdB), s_defaults);

        Assert.Empty(diff.Mismatches);
        Assert.Equal(8, diff.Cases.Count);
        Assert.Empty(diff.Where(DiffVerdict.Slower));
        Assert.False(diff.HasRegression);
    }

    [Fact]
    public void A_case_made_10_percent_slower_is_found_and_nothing_else()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.SsdB), DiffInput.Read(RunFixtures.SsdSlower), s_defaults);

        Assert.True(diff.HasRegression);
        Assert.Equal(
            [RunFixtures.SsdPrefix + "Preprocess" + RunFixtures.SsdParameters, RunFixtures.SsdPrefix + "PreprocessMemoryCopy" + RunFixtures.SsdParameters],
            diff.Where(DiffVerdict.Slower).Select(c => c.Benchmark).Order(StringComparer.Ordinal));
        Assert.All(diff.Where(DiffVerdict.Slower), c => Assert.Equal(1.10, c.Ratio!.Value, 2));
        Assert.Empty(diff.Where(DiffVerdict.Faster));
        Assert.Equal(6, diff.Where(DiffVerdict.Unchanged).Count());
        Assert.Equal(1.10, diff.GeometricMean(DiffVerdict.Slower)!.Value, 2);
    }

    [Fact]
    public void A_10_percent_shift_inside_20_percent_of_run_noise_is_not_called_but_a_60_percent_one_is()
    {
        // Postprocess in the real run B spreads over 20% between its fastest and slowest iteration: eight samples cannot
        // tell a 10% shift from that noise, and diff says Unchanged rather than guess. A large shift is still found.
        IReadOnlyList<double> postprocess = RawSamples.ReadRun(RunFixtures.SsdB)[RunFixtures.SsdPrefix + "Postprocess" + RunFixtures.SsdParameters].NanosecondsPerOp;

        Assert.InRange(postprocess.Max() / postprocess.Min(), 1.15, 1.30);
        Assert.Equal(DiffVerdict.Unchanged, RunDiff.Test(postprocess, postprocess.Select(v => v * 1.10).ToArray(), s_defaults));
        Assert.Equal(DiffVerdict.Slower, RunDiff.Test(postprocess, postprocess.Select(v => v * 1.60).ToArray(), s_defaults));
    }

    [Fact]
    public void Two_real_back_to_back_runs_compared_on_frames_show_no_regression()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.FramesA), DiffInput.Read(RunFixtures.FramesB), s_defaults);

        Assert.Equal(4, diff.Cases.Count);
        Assert.All(diff.Cases, c => Assert.Equal("per frame", c.Note));
        Assert.All(diff.Cases, c => Assert.True(c.BaseSamples >= 64 && c.NewSamples >= 64, c.Benchmark));
        Assert.False(diff.HasRegression);
    }

    [Fact]
    public void Frames_made_10_percent_slower_are_a_regression()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.FramesB), DiffInput.Read(RunFixtures.FramesSlower), s_defaults);

        Assert.True(diff.HasRegression);
        // The single-stream cases have 240-420 frames each and are found; every slower case is 1.10x.
        Assert.Contains(diff.Where(DiffVerdict.Slower), c => c.Benchmark.Contains(".SingleStream(", StringComparison.Ordinal) && c.Benchmark.Contains("fp32", StringComparison.Ordinal));
        Assert.Contains(diff.Where(DiffVerdict.Slower), c => c.Benchmark.Contains(".SingleStream(", StringComparison.Ordinal) && c.Benchmark.Contains("fp16", StringComparison.Ordinal));
        Assert.All(diff.Where(DiffVerdict.Slower), c => Assert.Equal(1.10, c.Ratio!.Value, 2));
        Assert.Empty(diff.Where(DiffVerdict.Faster));
    }

    [Fact]
    public void The_regression_read_backwards_is_an_improvement()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.SsdSlower), DiffInput.Read(RunFixtures.SsdB), s_defaults);

        Assert.False(diff.HasRegression);
        Assert.Equal(2, diff.Where(DiffVerdict.Faster).Count());
    }

    [Fact]
    public void Different_setups_name_each_field_that_differs()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.SsdB), DiffInput.Read(RunFixtures.SsdOtherSetup), s_defaults);

        Assert.Equal(["onnx_runtime_providers", "dotnet_version", "onnx_runtime_version"], diff.Mismatches.Select(m => m.Field));
        Assert.Equal("1.31.1", diff.Mismatches.Single(m => m.Field == "onnx_runtime_version").Base);
        Assert.Equal("1.22.0", diff.Mismatches.Single(m => m.Field == "onnx_runtime_version").New);
    }

    [Fact]
    public void Added_missing_and_failing_cases_are_listed()
    {
        DiffInput baseRun = DiffInput.Read(RunFixtures.SsdA);
        DiffInput newRun = DiffInput.Read(RunFixtures.SsdB);
        string toTensor = RunFixtures.SsdPrefix + "ToTensor" + RunFixtures.SsdParameters;
        string inference = RunFixtures.SsdPrefix + "Inference" + RunFixtures.SsdParameters;
        string endToEnd = RunFixtures.SsdPrefix + "EndToEnd" + RunFixtures.SsdParameters;
        var newSamples = newRun.Samples.Where(p => p.Key != toTensor).ToDictionary();
        newSamples["X.Y.New(Model: a)"] = new CaseSamples("X.Y.New(Model: a)", [1, 2, 3], "new.json");
        newRun = newRun with
        {
            Samples = newSamples,
            Rows = [.. newRun.Rows.Where(r => r.Benchmark != toTensor).Select(r => r.Benchmark == inference
                ? r with { Status = "failed", Reason = "session creation failed" } : r)],
        };
        baseRun = baseRun with { Rows = [.. baseRun.Rows.Select(r => r.Benchmark == endToEnd ? r with { Status = "skipped", Reason = "no camera" } : r)] };

        DiffResult diff = RunDiff.Compare(baseRun, newRun, s_defaults);

        Assert.Equal(toTensor, Assert.Single(diff.Where(DiffVerdict.Missing)).Benchmark);
        Assert.Equal("X.Y.New(Model: a)", Assert.Single(diff.Where(DiffVerdict.Added)).Benchmark);
        CaseDiff failing = Assert.Single(diff.Where(DiffVerdict.NowFailing));
        Assert.Equal(inference, failing.Benchmark);
        Assert.Contains("session creation failed", failing.Note, StringComparison.Ordinal);
        Assert.Equal(endToEnd, Assert.Single(diff.Where(DiffVerdict.NowRunning)).Benchmark);
        Assert.True(diff.HasRegression);

        string markdown = DiffMarkdown.Format(diff);
        Assert.Contains("### Missing (only in the base run) (1)", markdown, StringComparison.Ordinal);
        Assert.Contains("### Added (only in the new run) (1)", markdown, StringComparison.Ordinal);
        Assert.Contains("### No longer measured (counted as a regression) (1)", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Cold_start_cases_are_compared_launch_by_launch()
    {
        // Launches written and read back through cold-start-launches.csv, as the benchmark program and diff do.
        string inference = RunFixtures.SsdPrefix + "Inference" + RunFixtures.SsdParameters;
        string baseDirectory = Directory.CreateDirectory(Path.Combine(_directory, "base")).FullName;
        string newDirectory = Directory.CreateDirectory(Path.Combine(_directory, "new")).FullName;
        EdgeBench.Reporting.Results.ColdStartLaunches.Write(baseDirectory, [(inference, [1500.0, 1520, 1490, 1510, 1505, 1495])]);
        EdgeBench.Reporting.Results.ColdStartLaunches.Write(newDirectory, [(inference, [1800.0, 1820, 1790, 1810, 1805, 1795])]);
        IReadOnlyDictionary<string, double[]> read = EdgeBench.Reporting.Results.ColdStartLaunches.Read(newDirectory);
        Assert.Equal([1800.0, 1820, 1790, 1810, 1805, 1795], read[inference]);
        Assert.Empty(EdgeBench.Reporting.Results.ColdStartLaunches.Read(_directory));

        DiffInput baseRun = DiffInput.Read(RunFixtures.SsdA);
        baseRun = baseRun with { LaunchSamples = EdgeBench.Reporting.Results.ColdStartLaunches.Read(baseDirectory).ToDictionary(p => p.Key, p => Array.ConvertAll(p.Value, ms => ms * 1e6)) };
        DiffInput newRun = DiffInput.Read(RunFixtures.SsdA) with { LaunchSamples = read.ToDictionary(p => p.Key, p => Array.ConvertAll(p.Value, ms => ms * 1e6)) };

        CaseDiff diff = RunDiff.Compare(baseRun, newRun, s_defaults).Cases.Single(c => c.Benchmark == inference);
        Assert.Equal(DiffVerdict.Slower, diff.Verdict);
        Assert.Equal("per launch", diff.Note);
        Assert.Equal(1502.5e6, diff.BaseMedianNs);
    }

    [Fact]
    public void Markdown_lists_slower_cases_with_ratio_and_geomean()
    {
        DiffResult diff = RunDiff.Compare(DiffInput.Read(RunFixtures.SsdB), DiffInput.Read(RunFixtures.SsdSlower), s_defaults);

        string markdown = DiffMarkdown.Format(diff);

        Assert.Contains("**Regression found**: 2 slower, 0 faster, 6 unchanged", markdown, StringComparison.Ordinal);
        Assert.Contains("### Slower (2), geometric mean new/base 1.100", markdown, StringComparison.Ordinal);
        Assert.Contains("| SsdBenchmarks.Preprocess(Model: ssd300, Precision: fp32, Batch: 1, Backend: ort-cpu) | 1.100 |", markdown, StringComparison.Ordinal);
        Assert.Contains("<details><summary>Unchanged (6)</summary>", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_full_json_is_an_error_naming_the_file()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        Directory.Delete(Path.Combine(run, "results"), recursive: true);

        var e = Assert.Throws<InvalidDataException>(() => DiffInput.Read(run));
        Assert.Contains(Path.Combine(run, "results", "*-report-full.json"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_full_json_is_an_error_naming_the_file()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        string json = Directory.GetFiles(Path.Combine(run, "results"), "*-report-full.json").Single();
        File.WriteAllText(json, File.ReadAllText(json)[..500]);

        var e = Assert.Throws<InvalidDataException>(() => DiffInput.Read(run));
        Assert.StartsWith(json + ": not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_without_benchmarks_is_an_error_naming_the_file()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        string json = Directory.GetFiles(Path.Combine(run, "results"), "*-report-full.json").Single();
        File.WriteAllText(json, "{\"Title\": \"x\"}");

        var e = Assert.Throws<InvalidDataException>(() => DiffInput.Read(run));
        Assert.StartsWith(json + ": no 'Benchmarks' array", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_named_twice_is_an_error_naming_both_files()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        string json = Directory.GetFiles(Path.Combine(run, "results"), "*-report-full.json").Single();
        string copy = Path.Combine(run, "results", "Copy-report-full.json");
        File.Copy(json, copy);

        var e = Assert.Throws<InvalidDataException>(() => DiffInput.Read(run));
        Assert.Contains(json, e.Message, StringComparison.Ordinal);
        Assert.Contains(copy, e.Message, StringComparison.Ordinal);
        Assert.Contains("must be unique", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_twice_in_one_json_is_an_error_suggesting_one_job_per_run()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        string json = Directory.GetFiles(Path.Combine(run, "results"), "*-report-full.json").Single();
        string[] lines = File.ReadAllLines(json);
        // One case per line between the "Benchmarks":[ line and the closing ]}: repeat the first.
        File.WriteAllLines(json, [.. lines[..3], lines[3].TrimEnd(',') + ",", .. lines[3..]]);

        var e = Assert.Throws<InvalidDataException>(() => DiffInput.Read(run));
        Assert.StartsWith(json + ": case 'EdgeBench.Benchmarks.Pipeline.SsdBenchmarks.", e.Message, StringComparison.Ordinal);
        Assert.Contains("appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_broken_environment_is_an_error_naming_the_file()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        string environment = Path.Combine(run, "environment.json");
        File.WriteAllText(environment, "{ \"device_id\": ");
        Assert.StartsWith(environment + ": not a valid environment.json", Assert.Throws<InvalidDataException>(() => DiffInput.Read(run)).Message, StringComparison.Ordinal);

        File.Delete(environment);
        Assert.StartsWith(environment + ": file not found", Assert.Throws<InvalidDataException>(() => DiffInput.Read(run)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_edgebench_csv_is_an_error_naming_the_file()
    {
        string run = RunFixtures.CopyTo(RunFixtures.SsdA, _directory);
        string csv = Path.Combine(run, "edgebench.csv");
        File.WriteAllText(csv, "benchmark,model\nx,y\n");

        var e = Assert.Throws<InvalidDataException>(() => DiffInput.Read(run));
        Assert.StartsWith(csv + ": missing column(s)", e.Message, StringComparison.Ordinal);
    }
}
