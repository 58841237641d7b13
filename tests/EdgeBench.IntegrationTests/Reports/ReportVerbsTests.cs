using EdgeBench.Benchmarks.Verbs;

namespace EdgeBench.IntegrationTests.Reports;

/// <summary>
/// The <c>report</c> and <c>diff</c> verbs end to end through the dispatcher, on the committed run folders of the
/// unit tier (tests/EdgeBench.Tests/TestData/runs; its README says which are real and which derived).
/// </summary>
public sealed class ReportVerbsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-verbs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string RepositoryRoot
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "EdgeBench.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new InvalidOperationException("EdgeBench.sln not found above the test folder");
        }
    }

    private static string Runs => Path.Combine(RepositoryRoot, "tests", "EdgeBench.Tests", "TestData", "runs");

    private static string SsdA => Path.Combine(Runs, "root", "amd-epyc", "20261126-065921-28a4596");

    private static string SsdB => Path.Combine(Runs, "root", "amd-epyc", "20261126-070105-28a4596");

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.True(VerbDispatcher.TryRun(args, output, error, out int exitCode));
        return (exitCode, output.ToString(), error.ToString());
    }

    private string Copy(string source)
    {
        string target = Path.Combine(_directory, Path.GetFileName(source));
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    [Fact]
    public void Diff_of_two_runs_of_the_same_build_exits_0()
    {
        (int exitCode, string output, string error) = Run("diff", SsdA, SsdB, "--threshold", "5%");

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Contains("**No regression**: 0 slower", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_with_a_10_percent_slowdown_exits_2_and_writes_the_markdown()
    {
        string markdown = Path.Combine(_directory, "diff.md");

        (int exitCode, string output, _) = Run("diff", SsdB, Path.Combine(Runs, "derived", "ssd-slower-10pct"), "--out", markdown);

        Assert.Equal(DiffVerb.Regression, exitCode);
        Assert.Contains("### Slower (2)", output, StringComparison.Ordinal);
        Assert.Equal(output, File.ReadAllText(markdown));
    }

    [Fact]
    public void Diff_refuses_another_setup_naming_each_field_unless_forced()
    {
        string other = Path.Combine(Runs, "derived", "ssd-other-setup");

        (int refused, string output, string error) = Run("diff", SsdB, other);
        (int forced, string forcedOutput, _) = Run("diff", SsdB, other, "--force");

        Assert.Equal(VerbDispatcher.Error, refused);
        Assert.Empty(output);
        Assert.Contains("onnx_runtime_version: '1.31.1' (base) vs '1.22.0' (new)", error, StringComparison.Ordinal);
        Assert.Contains("dotnet_version: '.NET 10.0.12' (base) vs '.NET 10.0.0' (new)", error, StringComparison.Ordinal);
        Assert.Contains("onnx_runtime_providers:", error, StringComparison.Ordinal);
        Assert.Equal(VerbDispatcher.Ok, forced);
        Assert.Contains("**warning (--force):** onnx_runtime_version differs", forcedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_of_a_broken_run_exits_1_naming_the_file()
    {
        string run = Copy(SsdA);
        string json = Directory.GetFiles(Path.Combine(run, "results"), "*-report-full.json").Single();
        File.WriteAllText(json, "{ not json");

        (int exitCode, _, string error) = Run("diff", run, SsdB);

        Assert.Equal(VerbDispatcher.Error, exitCode);
        Assert.StartsWith($"diff: {json}: not valid JSON", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threshold", "five")]
    [InlineData("--noise", "fast")]
    [InlineData("--alpha", "2")]
    public void Diff_rejects_bad_options(string option, string value)
    {
        (int exitCode, _, string error) = Run("diff", SsdA, SsdB, option, value);

        Assert.Equal(VerbDispatcher.Error, exitCode);
        Assert.Contains($"{option} '{value}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_precision_writes_its_files_beside_the_run()
    {
        string run = Copy(Path.Combine(Runs, "derived", "mobilenet-with-accuracy"));

        (int exitCode, string output, string error) = Run("report", "precision", run);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Contains("| mobilenetv2 (random weights) | end-to-end | onnxruntime/cpu | 1 |", output, StringComparison.Ordinal);
        foreach (string name in (string[])["precision.md", "precision.csv", "precision.png", "precision.svg"])
        {
            Assert.True(File.Exists(Path.Combine(run, "reports", name)), name);
        }
    }

    [Fact]
    public void Report_devices_writes_its_files_under_the_results_root()
    {
        string root = Copy(Path.Combine(Runs, "root"));

        (int exitCode, string output, _) = Run("report", "devices", root, "--catalog", Path.Combine(RepositoryRoot, "results", "devices.csv"));

        Assert.Equal(0, exitCode);
        Assert.Contains("| raspberry-pi-3-model-b-rev-1-2 | ssd300 | end-to-end | fp32 b1 onnxruntime/cpu | 0.090 |", output, StringComparison.Ordinal);
        // Every amd-epyc run counts: MobileNetV2 is only in an older one.
        Assert.Contains("| amd-epyc | mobilenetv2 | end-to-end |", output, StringComparison.Ordinal);
        Assert.Equal(
        [
            "devices-fps-per-dollar.png", "devices-fps-per-dollar.svg", "devices-fps-per-watt.png", "devices-fps-per-watt.svg",
            "devices-fps-vs-power.png", "devices-fps-vs-power.svg", "devices-fps.png", "devices-fps.svg",
            "devices-precision.csv", "devices-precision.png", "devices-precision.svg", "devices.csv", "devices.md",
        ],
            Directory.GetFiles(Path.Combine(root, "reports")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Report_devices_commit_and_since_select_runs()
    {
        string root = Copy(Path.Combine(Runs, "root"));

        (int commitExit, string commitOutput, _) = Run("report", "devices", root, "--commit", "7c03740");
        (int sinceExit, string sinceOutput, _) = Run("report", "devices", root, "--since", "2026-11-26T07:00:00");

        Assert.Equal(0, commitExit);
        Assert.Contains("3 run folder(s) of 3 device(s): every run of commit 7c03740.", commitOutput, StringComparison.Ordinal);
        Assert.Equal(0, sinceExit);
        Assert.Contains("1 run folder(s) of 1 device(s): every run started at or after 2026-11-26T07:00:00Z.", sinceOutput, StringComparison.Ordinal);
        Assert.Contains("| amd-epyc | ssd300 | end-to-end |", sinceOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("| amd-epyc | mobilenetv2 |", sinceOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--commit", "not-a-sha", "report devices: --commit 'not-a-sha': expected a git commit")]
    [InlineData("--since", "last week", "report devices: --since 'last week': expected a UTC date or time")]
    public void Report_devices_rejects_bad_selections_naming_the_flag_and_value(string flag, string value, string expected)
    {
        (int exitCode, _, string error) = Run("report", "devices", Path.Combine(Runs, "root"), flag, value);

        Assert.Equal(VerbDispatcher.Error, exitCode);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_of_a_missing_run_exits_1_naming_it()
    {
        string missing = Path.Combine(_directory, "nope");

        (int exitCode, _, string error) = Run("report", "precision", missing);

        Assert.Equal(VerbDispatcher.Error, exitCode);
        Assert.StartsWith($"report precision: {missing}: folder not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_without_arguments_prints_usage_and_exits_1()
    {
        (int exitCode, string output, string error) = Run("report");

        Assert.Equal(VerbDispatcher.Error, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("report: Required command was not provided.", error, StringComparison.Ordinal);
        Assert.Contains("EdgeBench.Benchmarks report [command] [options]", error, StringComparison.Ordinal);
        Assert.Contains("precision <run>", error, StringComparison.Ordinal);
        Assert.Contains("devices <results-root>", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_devices_rejects_a_bad_batch_naming_the_verb_and_the_value()
    {
        (int exitCode, _, string error) = Run("report", "devices", Runs, "--batch", "0");

        Assert.Equal(VerbDispatcher.Error, exitCode);
        Assert.StartsWith("report devices: --batch '0' is not a positive whole number.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_needs_two_runs_and_takes_no_third()
    {
        (int one, _, string oneError) = Run("diff", SsdA);
        (int three, _, string threeError) = Run("diff", SsdA, SsdB, SsdB);

        Assert.Equal(VerbDispatcher.Error, one);
        Assert.StartsWith("diff: Required argument 'new-run' missing", oneError, StringComparison.Ordinal);
        Assert.Equal(VerbDispatcher.Error, three);
        Assert.StartsWith($"diff: Unrecognized command or argument '{SsdB}'", threeError, StringComparison.Ordinal);
    }
}
