using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Linux;
using EdgeBench.Telemetry.NvidiaSmi;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

public sealed class TelemetryReadingsTests
{
    [Fact]
    public void Tegrastats_CapturedNanoLine_MapsBoardPowerCpuMeanAndMaxTempWithoutPmic()
    {
        // nano-jp4.6.1-1.txt line 1: CPU [5%,4%,3%,6%], GR3D_FREQ 0%, RAM 1923MB, PLL@37C CPU@40C PMIC@50C GPU@40C
        // AO@45C thermal@40C, POM_5V_IN 1750/1628.
        string line = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", "tegrastats", "nano-jp4.6.1-1.txt")).First();
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample sample));

        TelemetryReading r = TelemetryReadings.FromTegrastats(new TimedTegrastatsSample(TimeSpan.FromSeconds(1.5), 42, sample));

        Assert.Equal(TimeSpan.FromSeconds(1.5), r.Elapsed);
        Assert.Equal(1750, r.PowerMw);
        Assert.Equal(0, r.GpuUtilPct);
        Assert.Equal(4.5, r.CpuUtilPct);
        Assert.Equal(1923, r.RamUsedMb);
        Assert.Equal(45, r.MaxTemperatureC); // PMIC's constant 50 °C is not a reading
        Assert.Null(r.Throttled);
    }

    [Fact]
    public void Tegrastats_OffCoresAreLeftOut_EmptyFieldsStayNull()
    {
        var sample = new TegrastatsSample
        {
            Cpus = [new CpuCoreSample(10, 1200), null, new CpuCoreSample(30, 1200), null],
            Temperatures = [new TemperatureSample("pmic", 100, null), new TemperatureSample("cpu", 48.25, 50)],
        };

        TelemetryReading r = TelemetryReadings.FromTegrastats(new TimedTegrastatsSample(TimeSpan.Zero, 0, sample));

        Assert.Equal(20, r.CpuUtilPct);
        Assert.Equal(48.25, r.MaxTemperatureC);
        Assert.Null(r.PowerMw);
        Assert.Null(r.GpuUtilPct);
        Assert.Null(r.RamUsedMb);

        TelemetryReading empty = TelemetryReadings.FromTegrastats(new TimedTegrastatsSample(TimeSpan.Zero, 0, new TegrastatsSample()));
        Assert.Equal(new TelemetryReading(TimeSpan.Zero), empty);
    }

    [Fact]
    public void NvidiaSmi_OneGpu()
    {
        Assert.True(NvidiaSmiParser.TryParse("0, NVIDIA H200, 120.79, 0, 0, 35, 1980, 0x0000000000000001", out NvidiaSmiSample? s));

        TelemetryReading r = TelemetryReadings.FromNvidiaSmi(TimeSpan.FromSeconds(2), [s!]);

        Assert.Equal(120790, r.PowerMw!.Value, 6);
        Assert.Equal(0, r.GpuUtilPct);
        Assert.Equal(35, r.MaxTemperatureC);
        Assert.False(r.Throttled); // GpuIdle is not throttling
        Assert.Null(r.CpuUtilPct);
        Assert.Null(r.RamUsedMb); // device memory is not host RAM
        Assert.Equal(1980, r.ClockMhz);
        Assert.Equal("SM", r.ClockName);
        Assert.Equal(0, r.GpuMemoryUsedMb);
    }

    [Fact]
    public void NvidiaSmi_TwoGpus_SumPowerMeanUtilMaxTempAnyThrottle()
    {
        Assert.True(NvidiaSmiParser.TryParse("0, NVIDIA H100 80GB HBM3, 699.12, 100, 40211, 83, 1755, 0x0000000000000004", out NvidiaSmiSample? a));
        Assert.True(NvidiaSmiParser.TryParse("1, NVIDIA H100 80GB HBM3, 70.85, 0, 1, 33, 345, 0x0000000000000001", out NvidiaSmiSample? b));

        TelemetryReading r = TelemetryReadings.FromNvidiaSmi(TimeSpan.Zero, [a!, b!]);

        Assert.Equal(769970, r.PowerMw!.Value, 6);
        Assert.Equal(50, r.GpuUtilPct);
        Assert.Equal(83, r.MaxTemperatureC);
        Assert.True(r.Throttled); // SwPowerCap on GPU 0
        Assert.Equal(345, r.ClockMhz); // the slowest GPU's SM clock
        Assert.Equal(40212, r.GpuMemoryUsedMb); // memory.used of both GPUs
    }

    [Fact]
    public void Tegrastats_ClockIsTheGpusWherePrinted_ElseTheCoresMean()
    {
        var withGpu = new TegrastatsSample { GpuPct = 99, GpuFreqMhz = 1300, Cpus = [new CpuCoreSample(10, 1500), new CpuCoreSample(20, 1700)] };
        var cpuOnly = new TegrastatsSample { Cpus = [new CpuCoreSample(10, 1500), null, new CpuCoreSample(20, 1700)] };

        TelemetryReading gpu = TelemetryReadings.FromTegrastats(new TimedTegrastatsSample(TimeSpan.Zero, 0, withGpu));
        TelemetryReading cpu = TelemetryReadings.FromTegrastats(new TimedTegrastatsSample(TimeSpan.Zero, 0, cpuOnly));

        Assert.Equal((1300.0, "GPU"), (gpu.ClockMhz!.Value, gpu.ClockName));
        Assert.Equal((1600.0, "CPU"), (cpu.ClockMhz!.Value, cpu.ClockName));
    }

    [Theory]
    [InlineData("0x0000000000000008", true)]   // HW slowdown
    [InlineData("0x0000000000000020", true)]   // SW thermal
    [InlineData("0x0000000000000040", true)]   // HW thermal
    [InlineData("0x0000000000000080", true)]   // HW power brake
    [InlineData("0x0000000000000002", false)]  // applications clocks setting
    [InlineData("0x0000000000000010", false)]  // sync boost
    [InlineData("0x0000000000000000", false)]
    public void NvidiaSmi_ThrottleBits(string mask, bool throttled)
    {
        Assert.True(NvidiaSmiParser.TryParse($"0, GPU, 1.0, 1, 1, 1, 1, {mask}", out NvidiaSmiSample? s));
        Assert.Equal(throttled, TelemetryReadings.FromNvidiaSmi(TimeSpan.Zero, [s!]).Throttled);
    }

    [Fact]
    public void NvidiaSmi_NoValues_AllNull()
    {
        Assert.True(NvidiaSmiParser.TryParse("0, GPU, [N/A], [N/A], [N/A], [N/A], [N/A], [N/A]", out NvidiaSmiSample? s));
        Assert.Equal(new TelemetryReading(TimeSpan.Zero), TelemetryReadings.FromNvidiaSmi(TimeSpan.Zero, [s!]));
    }

    [Fact]
    public void Linux_PiNowBitsMeanThrottled_MaxTempIncludesVcgencmd()
    {
        var sample = new LinuxSample
        {
            CpuUtilPct = 37.5,
            RamUsedMb = 812,
            ThermalZones = [new ThermalZoneReading("cpu-thermal", 46.7)],
            PiThrottled = (PiThrottleConditions)0x50005,
            PiTemperatureC = 47.2,
        };

        TelemetryReading r = TelemetryReadings.FromLinux(new TimedLinuxSample(TimeSpan.FromSeconds(1), 0, sample));

        Assert.Equal(new TelemetryReading(TimeSpan.FromSeconds(1), null, null, 37.5, 812, 47.2, true), r);

        var clocked = new LinuxSample { CpuFrequencies = [new CpuFrequencyReading(0, 1800), new CpuFrequencyReading(1, 600)] };
        TelemetryReading withClock = TelemetryReadings.FromLinux(new TimedLinuxSample(TimeSpan.Zero, 0, clocked));
        Assert.Equal((1200.0, "CPU"), (withClock.ClockMhz!.Value, withClock.ClockName));
    }

    [Fact]
    public void Linux_OnlyOccurredBits_NotThrottledNow_NoVcgencmdIsNull()
    {
        var occurred = new LinuxSample { PiThrottled = (PiThrottleConditions)0x50000 };
        Assert.False(TelemetryReadings.FromLinux(new TimedLinuxSample(TimeSpan.Zero, 0, occurred)).Throttled);

        var plain = new LinuxSample { ThermalZones = [new ThermalZoneReading("a", 30), new ThermalZoneReading("b", 55.5)] };
        TelemetryReading r = TelemetryReadings.FromLinux(new TimedLinuxSample(TimeSpan.Zero, 0, plain));
        Assert.Null(r.Throttled);
        Assert.Equal(55.5, r.MaxTemperatureC);
        Assert.Null(r.CpuUtilPct);
        Assert.Null(r.RamUsedMb);
    }
}
