using System.Text.Json.Nodes;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Fleet;

/// <summary>
/// eng/fleet's job scripts as the workflow runs them: fleet-job.sh runs the suite into a results tree (one real
/// MobileNetV2 end-to-end case under the edge job, so the diff has raw samples to test and the report a pipeline to
/// show) and diffs against the device's newest earlier run, with the exit code the workflow acts on and the step
/// outputs it reads; fleet-report.sh renders report devices over the tree and a board's artifact.
/// </summary>
[Collection(nameof(Benchmarks.BenchmarkRuns))]
public sealed class FleetJobTests : IDisposable
{
    private const string DeviceId = "fleet-test-board";
    private const string CaseName = "MobileNetBenchmarks.EndToEnd(Model: mobilenetv2, Precision: fp32, Batch: 1, Backend: ort-cpu)";

    private readonly string _root = Directory.CreateTempSubdirectory("edgebench-fleet-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Results => Path.Combine(_root, "results");

    private (int ExitCode, string Output, Dictionary<string, string> StepOutputs) RunJob(params string[] extra)
    {
        string stepOutputs = Path.Combine(_root, "github-output");
        File.WriteAllText(stepOutputs, string.Empty);
        (int exitCode, string output) = FleetScript.Bash("fleet-job.sh",
            [
                "--device-id", DeviceId, "--results", Results, "--telemetry", "none",
                "--filter", "*MobileNetBenchmarks.EndToEnd", "--program", FleetScript.Program, .. extra,
                "--", "--batch", "1", "--precision", "fp32", "--backend", "ort-cpu",
            ],
            new Dictionary<string, string>
            {
                [EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable] = Path.Combine(_root, "models"),
                ["GITHUB_OUTPUT"] = stepOutputs,
            });
        Dictionary<string, string> outputs = File.ReadAllLines(stepOutputs)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return (exitCode, output, outputs);
    }

    [Fact]
    public void A_boards_first_run_then_a_regression_then_another_setup_and_the_devices_report_over_them()
    {
        Directory.CreateDirectory(Results);

        // (a) No earlier run of the device: ok, saying so.
        (int exitCode, string output, Dictionary<string, string> outputs) = RunJob();
        Assert.True(exitCode == 0, $"exit {exitCode}, expected 0:\n{output}");
        Assert.Contains($"nothing to compare: {outputs["run-id"]} is the first run of {DeviceId}", output, StringComparison.Ordinal);
        string firstRun = Path.Combine(Results, DeviceId, outputs["run-id"]);
        Assert.Equal(firstRun, outputs["run-dir"]);
        Assert.Equal(("first-run", "true", string.Empty), (outputs["verdict"], outputs["complete"], outputs["base-dir"]));
        ResultRow measured = Assert.Single(ResultsCsv.Read(Path.Combine(firstRun, ResultsCsv.FileName)));
        Assert.Equal(CaseStatus.Ok, measured.Status);

        // (b) That run as the committed history, made ten times faster than this machine measured it, and an older,
        // untouched run beside it: the job must compare with the newest and fail on the slowdown.
        CopyDirectory(firstRun, Path.Combine(Results, DeviceId, "20000101-000000-0000000"));
        MakeFaster(firstRun, 10);
        string diffFile = Path.Combine(_root, "diff.md");

        (exitCode, output, outputs) = RunJob("--diff-out", diffFile);

        Assert.True(exitCode == 2, $"exit {exitCode}, expected 2 (regression):\n{output}");
        Assert.Equal(("regression", firstRun), (outputs["verdict"], outputs["base-dir"]));
        Assert.NotEqual(firstRun, outputs["run-dir"]);
        string diff = File.ReadAllText(diffFile);
        Assert.Contains("**Regression found**", diff, StringComparison.Ordinal);
        string slower = diff[diff.IndexOf("### Slower", StringComparison.Ordinal)..];
        Assert.Contains($"| {CaseName} |", slower, StringComparison.Ordinal);
        Assert.Contains($"| {CaseName} |", output, StringComparison.Ordinal);
        Assert.Contains($"fleet-job: base     {firstRun}", output, StringComparison.Ordinal);
        Assert.Contains("fleet-job: verdict  regression (exit 2)", output, StringComparison.Ordinal);

        // Then the board's ONNX Runtime changed since its last run: diff refuses, the job says so with its own code.
        string upgraded = outputs["run-dir"];
        string environmentPath = Path.Combine(upgraded, "environment.json");
        JsonNode environment = JsonNode.Parse(File.ReadAllText(environmentPath))!;
        environment["onnx_runtime_version"] = "1.0.0";
        File.WriteAllText(environmentPath, environment.ToJsonString());

        (exitCode, output, outputs) = RunJob();

        Assert.True(exitCode == 3, $"exit {exitCode}, expected 3 (not comparable):\n{output}");
        Assert.Equal(("not-compared", upgraded, "true"), (outputs["verdict"], outputs["base-dir"], outputs["complete"]));
        Assert.Contains("onnx_runtime_version: '1.0.0' (base)", output, StringComparison.Ordinal);

        // The report job: this tree as the results branch, plus a second board's run that only came as an artifact.
        string artifactRun = Path.Combine(_root, "artifacts", "second-board", Path.GetFileName(upgraded));
        CopyDirectory(upgraded, artifactRun);
        environmentPath = Path.Combine(artifactRun, "environment.json");
        environment = JsonNode.Parse(File.ReadAllText(environmentPath))!;
        environment["device_id"] = "second-board";
        File.WriteAllText(environmentPath, environment.ToJsonString());
        string summary = Path.Combine(_root, "step-summary.md");

        (exitCode, output) = FleetScript.Bash("fleet-report.sh",
            ["--results", Results, "--runs", Path.Combine(_root, "artifacts"), "--catalog", Path.Combine(FleetScript.RepositoryRoot, "results", "devices.csv"), "--program", FleetScript.Program],
            new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary });

        Assert.True(exitCode == 0, $"exit {exitCode}, expected 0:\n{output}");
        Assert.Contains($"fleet-report: added second-board/{Path.GetFileName(upgraded)}", output, StringComparison.Ordinal);
        string[] table = File.ReadAllLines(Path.Combine(Results, "reports", "devices.md"));
        foreach (string device in (string[])[DeviceId, "second-board"])
        {
            Assert.Contains(table, l => l.StartsWith($"| {device} | mobilenetv2 | end-to-end |", StringComparison.Ordinal));
        }

        string shown = File.ReadAllText(summary);
        Assert.Contains("| second-board | mobilenetv2 | end-to-end |", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("![", shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--results", "." }, "--device-id is required")]
    [InlineData(new[] { "--device-id", "a/b", "--results", "." }, "--device-id 'a/b': expected letters, digits")]
    [InlineData(new[] { "--device-id", "x", "--results", "/nonexistent/results" }, "--results '/nonexistent/results': folder not found")]
    [InlineData(new[] { "--device-id", "x", "--results", ".", "--program", "/nonexistent/EdgeBench.Benchmarks.dll" }, "--program '/nonexistent/EdgeBench.Benchmarks.dll': file not found")]
    [InlineData(new[] { "--device-id", "x", "--results", ".", "--filter" }, "--filter needs a value")]
    [InlineData(new[] { "--device-id", "x", "--results", ".", "--telemtry", "linux" }, "unknown argument '--telemtry'")]
    public void A_bad_argument_stops_the_job_naming_it(string[] arguments, string error)
    {
        (int exitCode, string output) = FleetScript.Bash("fleet-job.sh", arguments);

        Assert.True(exitCode == 1, $"exit {exitCode}, expected 1:\n{output}");
        Assert.Contains("fleet-job: " + error, output, StringComparison.Ordinal);
        Assert.DoesNotContain("running the suite", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Divides every raw sample of a run's full JSON by <paramref name="factor"/>: diff tests those samples, not
    /// edgebench.csv's summary columns (its medians are scaled too, so the folder stays self-consistent).
    /// </summary>
    private static void MakeFaster(string run, double factor)
    {
        string json = Assert.Single(Directory.GetFiles(Path.Combine(run, "results"), EdgeBench.Reporting.Runs.RawSamples.FilePattern));
        JsonNode report = JsonNode.Parse(File.ReadAllText(json))!;
        foreach (JsonNode? measurement in report["Benchmarks"]!.AsArray().SelectMany(b => b!["Measurements"]!.AsArray()))
        {
            measurement!["Nanoseconds"] = measurement["Nanoseconds"]!.GetValue<double>() / factor;
        }

        File.WriteAllText(json, report.ToJsonString());

        string csv = Path.Combine(run, ResultsCsv.FileName);
        ResultsCsv.Write(csv, ResultsCsv.Read(csv).Select(r => r with
        {
            MeanMs = r.MeanMs / factor, MedianMs = r.MedianMs / factor, FrameMs = r.FrameMs / factor, Fps = r.Fps * factor,
        }).ToArray());
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
