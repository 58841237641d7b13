using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Validators;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Telemetry;
using EdgeBench.Telemetry;

namespace EdgeBench.IntegrationTests.Telemetry;

/// <summary>The choice of source, the flags and the raw file: pure, no benchmark runs.</summary>
public sealed class TelemetrySourcesTests
{
    private static MachineProbe Probe(string[]? files = null, string[]? dirs = null, Dictionary<string, string>? env = null, bool linux = true) => new(
        f => (files ?? []).Contains(f),
        d => (dirs ?? []).Contains(d),
        v => env is not null && env.TryGetValue(v, out string? value) ? value : null,
        linux);

    private static readonly Dictionary<string, string> s_path = new() { ["PATH"] = "/usr/local/bin:/usr/bin" };

    [Fact]
    public void Auto_picks_tegrastats_on_a_jetson_even_when_nvidia_smi_is_there()
    {
        MachineProbe jetson = Probe(["/etc/nv_tegra_release", "/usr/bin/nvidia-smi", "/dev/nvidia0"], env: s_path);
        Assert.Equal(TelemetrySource.Tegrastats, TelemetrySources.Detect(TelemetrySource.Auto, jetson).Source);

        MachineProbe onPath = Probe(["/usr/bin/tegrastats"], env: s_path);
        Assert.Equal(TelemetrySource.Tegrastats, TelemetrySources.Detect(TelemetrySource.Auto, onPath).Source);

        MachineProbe overridden = Probe(env: new() { ["EDGEBENCH_TEGRASTATS"] = "/tmp/fake" });
        Assert.Equal(TelemetrySource.Tegrastats, TelemetrySources.Detect(TelemetrySource.Auto, overridden).Source);
    }

    [Fact]
    public void Auto_picks_nvidia_smi_only_where_a_gpu_is_present()
    {
        MachineProbe gpu = Probe(["/usr/bin/nvidia-smi"], ["/proc/driver/nvidia/gpus"], s_path);
        Assert.Equal(TelemetrySource.NvidiaSmi, TelemetrySources.Detect(TelemetrySource.Auto, gpu).Source);

        // nvidia-smi installed but no driver/GPU: it would only print an error, so the Linux sampler is used.
        MachineProbe noGpu = Probe(["/usr/bin/nvidia-smi"], env: s_path);
        Assert.Equal(TelemetrySource.Linux, TelemetrySources.Detect(TelemetrySource.Auto, noGpu).Source);
    }

    [Fact]
    public void Auto_falls_back_to_linux_then_none_and_explicit_choices_are_kept()
    {
        Assert.Equal(TelemetrySource.Linux, TelemetrySources.Detect(TelemetrySource.Auto, Probe(env: s_path)).Source);
        Assert.Equal(TelemetrySource.None, TelemetrySources.Detect(TelemetrySource.Auto, Probe(linux: false)).Source);
        // An explicit choice is honoured even with the tool missing: the run then says why the columns are empty.
        Assert.Equal(TelemetrySource.Tegrastats, TelemetrySources.Detect(TelemetrySource.Tegrastats, Probe()).Source);
        Assert.Equal(TelemetrySource.None, TelemetrySources.Detect(TelemetrySource.None, Probe(["/etc/nv_tegra_release"])).Source);
    }

    [Fact]
    public void Create_builds_one_diagnoser_per_source_with_the_interval()
    {
        var settings = new RunSettings { TelemetrySource = TelemetrySource.NvidiaSmi, TelemetryIntervalMs = 250 };
        IDiagnoser? diagnoser = TelemetryDiagnosers.Create(settings, "/tmp/run", Probe());
        NvidiaSmiDiagnoser nvidia = Assert.IsType<NvidiaSmiDiagnoser>(diagnoser);
        Assert.Equal(TimeSpan.FromMilliseconds(250), nvidia.Config.Interval);
        Assert.Equal(RunMode.NoOverhead, nvidia.GetRunMode(null!));
        Assert.Equal([nameof(NvidiaSmiDiagnoser)], nvidia.Ids);

        Assert.IsType<TegrastatsDiagnoser>(TelemetryDiagnosers.Create(settings with { TelemetrySource = TelemetrySource.Tegrastats }, null, Probe()));
        Assert.IsType<LinuxDiagnoser>(TelemetryDiagnosers.Create(settings with { TelemetrySource = TelemetrySource.Linux }, null, Probe()));
        Assert.Null(TelemetryDiagnosers.Create(settings with { TelemetrySource = TelemetrySource.None }, null, Probe()));
    }

    [Fact]
    public void A_missing_tool_is_a_warning_naming_its_variable_and_a_present_one_is_not()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var parameters = new ValidationParameters([], null!);
        string missing = Path.Combine(Path.GetTempPath(), "edgebench-no-such-dir", "nvidia-smi");
        var absent = new NvidiaSmiDiagnoser(new TelemetryDiagnoserConfig { ExecutablePath = missing });
        ValidationError warning = Assert.Single(absent.Validate(parameters));
        Assert.False(warning.IsCritical);
        Assert.Contains($"'{missing}' was not found", warning.Message, StringComparison.Ordinal);
        Assert.Contains("EDGEBENCH_NVIDIA_SMI", warning.Message, StringComparison.Ordinal);

        // Any existing file passes the lookup (the tool itself says later whether it works).
        var present = new TegrastatsDiagnoser(new TelemetryDiagnoserConfig { ExecutablePath = "/bin/sh" });
        Assert.Empty(present.Validate(parameters));
    }

    [Fact]
    public void Flags_parse_and_bad_values_name_the_flag()
    {
        (RunSettings settings, string[] rest) = RunSettings.Parse(["--telemetry", "nvidia-smi", "--telemetry-interval", "50", "--filter", "*"]);
        Assert.Equal(TelemetrySource.NvidiaSmi, settings.TelemetrySource);
        Assert.Equal(50, settings.TelemetryIntervalMs);
        Assert.Equal(["--filter", "*"], rest);

        ArgumentException source = Assert.Throws<ArgumentException>(() => RunSettings.Parse(["--telemetry", "jtop"]));
        Assert.Contains("--telemetry: 'jtop'", source.Message, StringComparison.Ordinal);
        ArgumentException interval = Assert.Throws<ArgumentException>(() => RunSettings.Parse(["--telemetry-interval", "5"]));
        Assert.Contains("10..60000", interval.Message, StringComparison.Ordinal);
        Assert.Equal("nvidia-smi", TelemetrySources.Name(TelemetrySources.Parse("NVIDIA-SMI", "x")));
    }

    [Fact]
    public void Raw_file_states_the_window_and_the_reason_and_caps_its_rows()
    {
        TelemetryReading[] readings =
        [
            new(TimeSpan.FromSeconds(0.1), PowerMw: 5000, GpuUtilPct: 50, MaxTemperatureC: 40.5),
            new(TimeSpan.FromSeconds(0.2), PowerMw: 7000, Throttled: true),
            new(TimeSpan.FromSeconds(0.3), PowerMw: 6000),
        ];
        TelemetryWindowSummary summary = TelemetrySummary.Summarize(readings, TimeSpan.FromSeconds(0.25), 10);
        var result = new TelemetryCaseResult("tegrastats", 3, "a reason\nover two lines", summary, 1.5) { Outcome = TelemetryOutcome.KilledOnStop };

        string text = RawSamplesFile.Format("Ns.T.M(a: 1)", readings, result, maxReadings: 2);

        Assert.Equal(
            """
            # case: Ns.T.M(a: 1)
            # source: tegrastats
            # outcome: KilledOnStop
            # window_s: 0.25, operations: 10, samples: 3
            # reason: a reason over two lines
            elapsed_s,power_mw,gpu_util_pct,cpu_util_pct,ram_mb,max_temp_c,throttled
            0.100,5000,50,,,40.5,
            0.200,7000,,,,,1
            # 1 more readings left out (cap 2)

            """.ReplaceLineEndings("\n"),
            text);
        Assert.Equal("telemetry: tegrastats, 3 samples: a reason over two lines", result.Note);
    }
}
