using System.Diagnostics;
using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Linux;

namespace EdgeBench.Tests.Telemetry;

// LinuxSampler against a fake /proc,/sys tree written by each test (constructed in the kernel's documented formats)
// and a fake vcgencmd script.
public sealed class LinuxSamplerTests : IDisposable
{
    private const string ProcStatA = "cpu  1000 50 300 8000 100 10 20 0 0 0\ncpu0 500 25 150 4000 50 5 10 0 0 0\nintr 12345\n";
    private const string ProcStatB = "cpu  1600 50 400 8300 100 10 40 0 0 0\ncpu0 800 25 200 4150 50 5 20 0 0 0\n";
    private const string MemInfo = "MemTotal:        7802548 kB\nMemFree:          512000 kB\nMemAvailable:    4000000 kB\n";

    private readonly FakeTools _fakes = new("edgebench-fake-linux-");

    public void Dispose() => _fakes.Dispose();

    private string Root => _fakes.Dir;

    private void WriteTree()
    {
        _fakes.WriteFile("proc/stat", ProcStatA);
        _fakes.WriteFile("proc/meminfo", MemInfo);
        _fakes.WriteFile("sys/class/thermal/thermal_zone0/type", "cpu-thermal\n");
        _fakes.WriteFile("sys/class/thermal/thermal_zone0/temp", "46250\n");
        _fakes.WriteFile("sys/class/thermal/thermal_zone10/type", "gpu-thermal\n");
        _fakes.WriteFile("sys/class/thermal/thermal_zone10/temp", "51500\n");
        _fakes.WriteFile("sys/class/thermal/thermal_zone2/temp", "-5000\n");        // no type file: named by folder
        _fakes.WriteFile("sys/class/thermal/thermal_zone3/type", "gated\n");         // no temp file: left out
        _fakes.WriteFile("sys/class/thermal/cooling_device0/cur_state", "0\n");      // not a zone
        _fakes.WriteFile("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1190400\n");
        _fakes.WriteFile("sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "1500000\n");
        _fakes.WriteFile("sys/devices/system/cpu/cpu2/online", "0\n");               // offline: no cpufreq
        _fakes.WriteFile("sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "1\n"); // not a core
    }

    private LinuxSamplerOptions Options(string? vcgencmd = null) => new()
    {
        RootDirectory = Root,
        Interval = TimeSpan.FromMilliseconds(20),
        UseVcgencmd = vcgencmd is not null,
        VcgencmdPath = vcgencmd,
    };

    private string WriteVcgencmd(string extra = "") => _fakes.WriteScript("vcgencmd", $$"""
        echo "$1" >> '{{_fakes.Dir}}/vcgencmd.calls'
        {{extra}}
        case "$1" in
          get_throttled) echo 'throttled=0x50005' ;;
          measure_temp) echo "temp=47.2'C" ;;
          *) echo "error=1 error_msg=\"Command not registered\"" ; exit 1 ;;
        esac
        """);

    [Fact]
    public void TwoProcStatSnapshots_GiveUtilisation_ZonesMemAndFreqsAreRead()
    {
        WriteTree();
        using var sampler = new LinuxSampler(Options());

        LinuxSample first = sampler.CollectSample(Stopwatch.GetTimestamp());
        _fakes.WriteFile("proc/stat", ProcStatB);
        LinuxSample second = sampler.CollectSample(Stopwatch.GetTimestamp());

        Assert.Null(first.CpuUtilPct); // no earlier snapshot (Start takes one; this test bypasses Start)
        // delta total = 600 + 100 + 300 + 20 = 1020, delta idle = 300 → busy 720/1020.
        Assert.Equal(100.0 * 720 / 1020, second.CpuUtilPct!.Value, 9);
        Assert.Equal((7802548L - 4000000L) / 1024, second.RamUsedMb);
        Assert.Equal(7802548L / 1024, second.RamTotalMb);
        Assert.Equal(
            [new ThermalZoneReading("cpu-thermal", 46.25), new ThermalZoneReading("thermal_zone2", -5), new ThermalZoneReading("gpu-thermal", 51.5)],
            second.ThermalZones);
        Assert.Equal([new CpuFrequencyReading(0, 1190.4), new CpuFrequencyReading(1, 1500)], second.CpuFrequencies);
        Assert.Null(second.PiThrottled);
        Assert.Null(second.PiTemperatureC);

        TelemetryReading r = TelemetryReadings.FromLinux(new TimedLinuxSample(TimeSpan.Zero, 0, second));
        Assert.Equal(51.5, r.MaxTemperatureC);
        Assert.Null(r.Throttled);
    }

    [Fact]
    public void Running_WithFakeVcgencmd_ReportsPiFields_RateLimited_Completed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WriteTree();
        string vcgencmd = WriteVcgencmd();
        using var sampler = new LinuxSampler(Options(vcgencmd));
        Assert.Equal(vcgencmd, sampler.Vcgencmd);
        var clock = Stopwatch.StartNew();
        Assert.True(sampler.Start(), sampler.StatusMessage);
        Assert.Equal(TelemetrySamplerStatus.Running, sampler.Status);
        _fakes.WriteFile("proc/stat", ProcStatB);
        Assert.True(sampler.WaitForSamples(5, FakeTools.Patience));

        TelemetryStopResult result = sampler.Stop();
        clock.Stop();

        Assert.Equal(TelemetryOutcome.Completed, result.Outcome);
        Assert.Null(result.Reason);
        Assert.Equal(TelemetryStopMethod.PollingStopped, result.Method);
        Assert.Equal(TelemetrySamplerStatus.Stopped, sampler.Status);
        IReadOnlyList<TimedLinuxSample> samples = sampler.Samples;
        Assert.Equal(samples.Count, result.SampleCount);
        Assert.All(samples, s => Assert.Equal((PiThrottleConditions)0x50005, s.Sample.PiThrottled));
        Assert.All(samples, s => Assert.Equal(47.2, s.Sample.PiTemperatureC));
        for (int i = 1; i < samples.Count; i++)
        {
            Assert.True(samples[i].Elapsed > samples[i - 1].Elapsed);
        }

        // Start took snapshot A; whichever poll first saw B reports the A→B utilisation, later ones 0 % or null.
        Assert.Contains(samples, s => s.Sample.CpuUtilPct is { } u && Math.Abs(u - (100.0 * 720 / 1020)) < 1e-9);

        // At most one vcgencmd round per second: two calls (get_throttled, measure_temp) per round. This vcgencmd
        // has no PMIC (a Pi 4's answer): asked once, then not again for the window.
        string[] calls = File.ReadAllLines(Path.Combine(_fakes.Dir, "vcgencmd.calls"));
        int maxRounds = (int)Math.Floor(clock.Elapsed.TotalSeconds) + 1;
        string[] rounds = [.. calls.Where(c => c != "pmic_read_adc")];
        Assert.InRange(rounds.Length, 2, 2 * maxRounds);
        Assert.Equal(["get_throttled", "measure_temp"], rounds.Take(2));
        Assert.Single(calls, "pmic_read_adc");
        Assert.All(samples, s => Assert.Null(s.Sample.PiPmic));
        Assert.Null(sampler.PowerCoverage);

        IReadOnlyList<TelemetryReading> readings = sampler.Readings;
        Assert.All(readings, r => Assert.True(r.Throttled)); // 0x5 "now" bits: under-voltage and throttled
        Assert.All(readings, r => Assert.Equal(51.5, r.MaxTemperatureC));
        TelemetryWindowSummary summary = TelemetrySummary.Summarize(readings, clock.Elapsed, 10);
        Assert.True(summary.Throttled);
        Assert.Equal(51.5, summary.PeakTemperatureC);
        Assert.Equal((7802548L - 4000000L) / 1024, summary.PeakRamUsedMb);
        Assert.Null(summary.AveragePowerW);

        // The time-stamped samples outlive the sampler: a caller lays them out after Stop and Dispose.
        sampler.Dispose();
        Assert.Equal(samples, sampler.Samples);
        Assert.Equal(readings, sampler.Readings);
        _fakes.AssertGone();
    }

    [Fact]
    public void EmptyTree_FieldsNull_NoSamplesWithReason()
    {
        using var sampler = new LinuxSampler(Options());

        LinuxSample s = sampler.CollectSample(Stopwatch.GetTimestamp());
        Assert.True(s.IsEmpty);
        Assert.Null(s.CpuUtilPct);
        Assert.Null(s.RamUsedMb);
        Assert.Empty(s.ThermalZones);
        Assert.Empty(s.CpuFrequencies);

        Assert.True(sampler.Start());
        Thread.Sleep(100);
        TelemetryStopResult result = sampler.Stop();

        Assert.Equal(TelemetryOutcome.NoSamples, result.Outcome);
        Assert.Contains("read nothing", result.Reason, StringComparison.Ordinal);
        Assert.True(result.UnparsedLines >= 1);
        Assert.Empty(sampler.Readings);
    }

    [Fact]
    public void PartialTree_OnlyMeminfo_OtherFieldsNull()
    {
        _fakes.WriteFile("proc/meminfo", MemInfo);
        _fakes.WriteFile("proc/stat", "garbage\n");
        using var sampler = new LinuxSampler(Options());

        LinuxSample s = sampler.CollectSample(Stopwatch.GetTimestamp());

        Assert.Equal(new LinuxSample { RamUsedMb = (7802548L - 4000000L) / 1024, RamTotalMb = 7802548L / 1024 } with
        {
            ThermalZones = s.ThermalZones,
            CpuFrequencies = s.CpuFrequencies,
        }, s);
        Assert.Empty(s.ThermalZones);
        Assert.Empty(s.CpuFrequencies);
        Assert.False(s.IsEmpty);
    }

    [Fact]
    public void A_Pi_5_vcgencmd_gives_the_PMIC_rails_and_their_power_on_every_poll()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WriteTree();
        string dump = Path.Combine(AppContext.BaseDirectory, "TestData", "vcgencmd", "pi5-pmic_read_adc-load.txt");
        string vcgencmd = WriteVcgencmd($"[ \"$1\" = pmic_read_adc ] && exec cat '{dump}'");
        using var sampler = new LinuxSampler(Options(vcgencmd));
        Assert.True(sampler.Start(), sampler.StatusMessage);
        Assert.True(sampler.WaitForSamples(3, FakeTools.Patience));
        Assert.Equal(TelemetryOutcome.Completed, sampler.Stop().Outcome);

        // Unlike get_throttled and measure_temp (once a second), the PMIC is read on every poll.
        string[] calls = File.ReadAllLines(Path.Combine(_fakes.Dir, "vcgencmd.calls"));
        Assert.Equal(sampler.Samples.Count, calls.Count(c => c == "pmic_read_adc"));
        Assert.All(sampler.Samples, s => Assert.Equal(PmicParserTests.DumpBoardPowerW, s.Sample.PiPmic!.BoardPowerW, 1e-12));
        Assert.All(sampler.Readings, r =>
        {
            Assert.Equal(PmicParserTests.DumpBoardPowerW * 1000, r.PowerMw!.Value, 1e-9);
            Assert.Equal(26, r.Channels!.Count);
            Assert.Contains(new TelemetryChannel("EXT5V_V", 5.06788), r.Channels);
        });
        Assert.StartsWith("power: Pi 5 PMIC, V x I summed over 12 rails", sampler.PowerCoverage, StringComparison.Ordinal);
        Assert.Contains("5 V branches", sampler.PowerCoverage, StringComparison.Ordinal);
        _fakes.AssertGone();
    }

    [Fact]
    public void MissingVcgencmd_PiFieldsNull_NotAnError()
    {
        WriteTree();
        using var sampler = new LinuxSampler(Options(Path.Combine(_fakes.Dir, "no-such-vcgencmd")));

        Assert.Null(sampler.Vcgencmd);
        LinuxSample s = sampler.CollectSample(Stopwatch.GetTimestamp());
        Assert.Null(s.PiThrottled);
        Assert.Null(s.PiTemperatureC);
        Assert.NotNull(s.RamUsedMb);
    }

    [Fact]
    public void HangingVcgencmd_IsKilled_ValuesNull()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WriteTree();
        string vcgencmd = WriteVcgencmd("sleep 30");
        using var sampler = new LinuxSampler(Options(vcgencmd) with { VcgencmdTimeout = TimeSpan.FromMilliseconds(200) });

        var clock = Stopwatch.StartNew();
        LinuxSample s = sampler.CollectSample(Stopwatch.GetTimestamp());

        Assert.Null(s.PiThrottled);
        Assert.Null(s.PiTemperatureC);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(8));
        _fakes.AssertGone();
    }

    [Fact]
    public void VcgencmdFromEnvironment_AndPathLookup()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string fake = WriteVcgencmd();
        Assert.Equal(fake, ToolExecutable.FindOnPath("vcgencmd", "/nonexistent:" + _fakes.Dir, File.Exists));
        Assert.Null(ToolExecutable.FindOnPath("vcgencmd", "/nonexistent", File.Exists));
        Assert.Equal(fake, ToolExecutable.FindOnPath(fake, null, File.Exists));
        Assert.Equal("/env/vcgencmd", ToolExecutable.Vcgencmd.Resolve(null,
            n => n == LinuxSampler.VcgencmdEnvironmentVariable ? "/env/vcgencmd" : null));

        // Locate: the environment's choice, looked up like any other; a bare name is searched on that PATH.
        Assert.Equal(fake, ToolExecutable.Vcgencmd.Locate(null,
            n => n switch { LinuxSampler.VcgencmdEnvironmentVariable => fake, _ => null }, File.Exists));
        Assert.Equal(fake, ToolExecutable.Vcgencmd.Locate(null, n => n == "PATH" ? _fakes.Dir : null, File.Exists));
        Assert.Null(ToolExecutable.Vcgencmd.Locate(null, n => n == "PATH" ? "/nonexistent" : null, File.Exists));
    }

    [Fact]
    public void MissingRoot_StartFailed_AndLifecycleRules()
    {
        using var sampler = new LinuxSampler(Options() with { RootDirectory = Path.Combine(_fakes.Dir, "absent") });
        Assert.Equal(TelemetryOutcome.NotStarted, sampler.Stop().Outcome);

        Assert.False(sampler.Start());

        Assert.Equal(TelemetrySamplerStatus.StartFailed, sampler.Status);
        Assert.Contains("absent", sampler.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(TelemetryOutcome.StartFailed, sampler.Stop().Outcome);
        Assert.Throws<InvalidOperationException>(() => sampler.Start());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxSampler(new LinuxSamplerOptions { Interval = TimeSpan.Zero }));
    }
}
