using System.Globalization;
using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Telemetry;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Telemetry;

/// <summary>
/// Real benchmark runs (MobileNetV2 inference, fp32, batch 1, in-process, dry job with 12 iterations) with fake
/// tegrastats executables that replay a captured line and misbehave, and with the real Linux sampler.
/// </summary>
[Collection(nameof(EdgeBench.IntegrationTests.Benchmarks.BenchmarkRuns))]
public sealed class TelemetryDiagnoserRunTests(SharedModels models) : IClassFixture<SharedModels>, IDisposable
{
    // Orin Nano, JetPack 6: VDD_IN 12479mW, GR3D_FREQ 63%, hottest real zone cpu/tj 53.968C, RAM 6185MB,
    // CPU [15,11,14,13,11,8]% (mean 12).
    private const string Fixture = "orin-nano-jp6-1.txt";

    private readonly FakeTelemetryTools _tools = new();

    public void Dispose() => _tools.Dispose();

    [Fact]
    public void A_fake_tegrastats_repeating_one_captured_line_reports_that_lines_power_gpu_and_temperature()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string fake = _tools.Repeating("tegrastats", FakeTelemetryTools.CapturedTegrastatsLine(Fixture));
        using var run = new TelemetryRun(models.Directory, "tegrastats");
        run.Set(EdgeBench.Telemetry.Tegrastats.TegrastatsSampler.ExecutableEnvironmentVariable, fake);

        IReadOnlyList<ResultRow> rows = run.Run(Categories.Inference, Categories.EndToEnd);

        Assert.Equal(2, rows.Count);
        foreach (ResultRow row in rows)
        {
            Assert.Equal(CaseStatus.Ok, row.Status);
            Assert.Equal(12.479, row.PowerW!.Value, 0.0011); // edgebench.csv keeps 4 significant digits
            Assert.Equal(63, row.GpuUtilPct!.Value, 9);
            Assert.Equal(53.968, row.MaxTempC!.Value, 0.05); // and one decimal of a temperature
            Assert.Equal(6185, row.RamMb!.Value, 9);
            Assert.Equal(12, row.CpuUtilPct!.Value, 9);
            Assert.Null(row.Throttled); // tegrastats prints no throttle field

            // Energy per frame = power x time per frame of the sampled window (the raw file states the window).
            string raw = Path.Combine(run.TelemetryDirectory, RawFileName(row));
            string[] lines = File.ReadAllLines(raw);
            (double windowS, long operations, int samples) = WindowOf(lines);
            Assert.Equal(12.479 * windowS / operations * 1000, row.EnergyMj!.Value, 0.001 * row.EnergyMj.Value);
            // ... and, up to BenchmarkDotNet's outlier removal, power x the reported time per frame.
            Assert.InRange(row.EnergyMj.Value / (row.PowerW.Value * row.FrameMs!.Value), 0.8, 1.25);

            Assert.True(samples >= 2, $"{samples} samples");
            Assert.True(row.Notes == $"telemetry: tegrastats, {samples} samples", row.Notes);
            Assert.Equal(samples, lines.Count(l => !l.StartsWith('#') && l != RawSamplesFile.Header));
            Assert.Contains(RawSamplesFile.Header, lines);
            Assert.True(new FileInfo(raw).Length < 16 * 1024, "raw file stays small");
        }

        // BenchmarkDotNet's own table has the metric columns.
        string markdown = File.ReadAllText(Directory.GetFiles(Path.Combine(run.RunDirectory, "results"), "*-report-github.md").Single());
        Assert.Contains("Power [W]", markdown, StringComparison.Ordinal);
        Assert.Contains("Energy/frame [mJ]", markdown, StringComparison.Ordinal);
        Assert.Contains("12.479", markdown, StringComparison.Ordinal);
        _tools.AssertNothingLeftBehind();
    }

    public static TheoryData<string, string> Misbehaviours => new()
    {
        { "missing", "could not start" },
        { "exits-early", "exited by itself with code 3" },
        { "garbage", "none of them tegrastats output" },
        { "ignores-sigint", "its process tree was killed (samples kept)" },
        { "killed-mid-run", "exited by itself with code 137" },
    };

    [Theory]
    [MemberData(nameof(Misbehaviours))]
    public void A_misbehaving_tegrastats_leaves_the_case_measured_and_says_why_in_notes(string behaviour, string expectedReason)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string line = FakeTelemetryTools.CapturedTegrastatsLine(Fixture);
        string fake = behaviour switch
        {
            "missing" => Path.Combine(_tools.Dir, "no-such-tegrastats"),
            "exits-early" => _tools.ExitsEarly("tegrastats", line),
            "garbage" => _tools.Garbage("tegrastats"),
            "ignores-sigint" => _tools.IgnoresSigint("tegrastats", line),
            "killed-mid-run" => _tools.KilledMidRun("tegrastats", line),
            _ => throw new ArgumentOutOfRangeException(nameof(behaviour)),
        };
        using var run = new TelemetryRun(models.Directory, "tegrastats");
        run.Set(EdgeBench.Telemetry.Tegrastats.TegrastatsSampler.ExecutableEnvironmentVariable, fake);

        ResultRow row = Assert.Single(run.Run());

        Assert.Equal(CaseStatus.Ok, row.Status);
        Assert.True(row.MeanMs > 0);
        Assert.Equal(string.Empty, row.Reason);
        Assert.StartsWith("telemetry: tegrastats, ", row.Notes, StringComparison.Ordinal);
        Assert.Contains(expectedReason, row.Notes, StringComparison.Ordinal);
        if (behaviour is "missing" or "garbage" or "exits-early")
        {
            // Nothing (or one line) to average: every power-derived column stays empty.
            Assert.Null(row.PowerW);
            Assert.Null(row.EnergyMj);
        }

        if (behaviour == "ignores-sigint")
        {
            Assert.Equal(12.479, row.PowerW!.Value, 0.0011); // edgebench.csv keeps 4 significant digits // samples of a tool killed on stop are valid
        }

        _tools.AssertNothingLeftBehind();
    }

    [Fact]
    public void A_window_shorter_than_two_intervals_gives_no_power_and_says_to_lengthen_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The fake prints its first line at once, the next one 5 s later: one sample in the dry case's window (well
        // under a second; 5 s leaves room for a slow CI host, where 1 s once gave a second sample).
        string fake = _tools.Repeating("tegrastats", FakeTelemetryTools.CapturedTegrastatsLine(Fixture));
        using var run = new TelemetryRun(models.Directory, "tegrastats", intervalMs: 5000);
        run.Set(EdgeBench.Telemetry.Tegrastats.TegrastatsSampler.ExecutableEnvironmentVariable, fake);

        ResultRow row = Assert.Single(run.Run());

        Assert.True(row.PowerW is null, row.Notes);
        Assert.Null(row.EnergyMj);
        Assert.Equal(63, row.GpuUtilPct!.Value, 9); // one value is still a utilisation and a peak
        Assert.Equal(53.968, row.MaxTempC!.Value, 0.05); // and one decimal of a temperature
        Assert.StartsWith("telemetry: tegrastats, 1 sample: 1 sample in a ", row.Notes, StringComparison.Ordinal);
        Assert.EndsWith("window; increase iteration time or lower --interval", row.Notes, StringComparison.Ordinal);
        _tools.AssertNothingLeftBehind();
    }

    [Fact]
    public void A_fake_nvidia_smi_replaying_a_captured_h200_line_reports_gpu_power_and_no_throttling()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // "0, NVIDIA H200, 120.79, 0, 0, 35, 1980, 0x0000000000000001": 120.79 W, 0 %, 35 C, only the idle bit set.
        string fake = _tools.Repeating("nvidia-smi", FakeTelemetryTools.CapturedLine("nvidia-smi", "h200-idle-captured.txt"));
        using var run = new TelemetryRun(models.Directory, "nvidia-smi");
        run.Set(EdgeBench.Telemetry.NvidiaSmi.NvidiaSmiSampler.ExecutableEnvironmentVariable, fake);

        ResultRow row = Assert.Single(run.Run());

        Assert.Equal(120.79, row.PowerW!.Value, 0.01);
        Assert.Equal(0, row.GpuUtilPct!.Value, 9);
        Assert.Equal(35, row.MaxTempC!.Value, 9);
        Assert.False(row.Throttled);
        Assert.Null(row.RamMb); // device memory is not host RAM
        Assert.Equal(120.79 * row.FrameMs!.Value, row.EnergyMj!.Value, 0.2 * row.EnergyMj.Value);
        Assert.StartsWith("telemetry: nvidia-smi, ", row.Notes, StringComparison.Ordinal);
        _tools.AssertNothingLeftBehind();
    }

    [Fact]
    public void ExtraRun_mode_samples_a_separate_run_and_still_fills_the_columns()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string fake = _tools.Repeating("tegrastats", FakeTelemetryTools.CapturedTegrastatsLine(Fixture));
        using var run = new TelemetryRun(models.Directory, "none");
        var diagnoser = new TegrastatsDiagnoser(new TelemetryDiagnoserConfig
        {
            ExecutablePath = fake,
            Interval = TimeSpan.FromMilliseconds(20),
            RunMode = BenchmarkDotNet.Diagnosers.RunMode.ExtraRun,
            RunDirectory = run.RunDirectory,
        });

        ResultRow row = Assert.Single(run.Run(diagnoser, Categories.Inference));

        Assert.Equal(12.479, row.PowerW!.Value, 0.0011); // edgebench.csv keeps 4 significant digits
        Assert.NotNull(row.EnergyMj);
        Assert.StartsWith("telemetry: tegrastats, ", row.Notes, StringComparison.Ordinal);
        _tools.AssertNothingLeftBehind();
    }

    [Fact]
    public void The_linux_sampler_reports_cpu_and_ram_and_says_there_is_no_power()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var run = new TelemetryRun(models.Directory, "linux");

        ResultRow row = Assert.Single(run.Run());

        Assert.Equal(CaseStatus.Ok, row.Status);
        Assert.InRange(row.CpuUtilPct!.Value, 0, 100);
        Assert.True(row.RamMb > 0);
        Assert.Null(row.PowerW);
        Assert.Null(row.EnergyMj);
        Assert.Null(row.GpuUtilPct);
        Assert.StartsWith("telemetry: linux, ", row.Notes, StringComparison.Ordinal);
        Assert.Contains("no power readings", row.Notes, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(run.TelemetryDirectory));
    }

    [Fact]
    public void Telemetry_none_adds_no_columns_notes_or_files()
    {
        using var run = new TelemetryRun(models.Directory, "none");

        ResultRow row = Assert.Single(run.Run());

        Assert.Equal(CaseStatus.Ok, row.Status);
        Assert.Null(row.PowerW);
        Assert.Null(row.CpuUtilPct);
        Assert.Null(row.RamMb);
        Assert.Equal(string.Empty, row.Notes);
        Assert.False(Directory.Exists(run.TelemetryDirectory));
    }

    private static string RawFileName(ResultRow row) =>
        $"MobileNetBenchmarks.{(row.Stage == "inference" ? "Inference" : "EndToEnd")}_{row.Model}_{row.Precision}_{row.Batch.ToString(CultureInfo.InvariantCulture)}_ort-cpu.csv";

    private static (double WindowS, long Operations, int Samples) WindowOf(string[] lines)
    {
        // "# window_s: 0.123, operations: 12, samples: 7"
        string header = lines.Single(l => l.StartsWith("# window_s: ", StringComparison.Ordinal));
        string[] parts = header["# ".Length..].Split(", ");
        string Value(int i) => parts[i][(parts[i].IndexOf(": ", StringComparison.Ordinal) + 2)..];
        return (double.Parse(Value(0), CultureInfo.InvariantCulture), long.Parse(Value(1), CultureInfo.InvariantCulture), int.Parse(Value(2), CultureInfo.InvariantCulture));
    }
}
