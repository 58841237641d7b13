using EdgeBench.Telemetry.Linux;

namespace EdgeBench.Tests.Telemetry;

// Literal strings in the kernel's and vcgencmd's documented formats (constructed, not captured from a device).
public sealed class LinuxParsersTests
{
    private const string ProcStatA = "cpu  1000 50 300 8000 100 10 20 0 0 0\ncpu0 500 25 150 4000 50 5 10 0 0 0\nintr 12345\n";
    private const string ProcStatB = "cpu  1600 50 400 8300 100 10 40 0 0 0\ncpu0 800 25 200 4150 50 5 20 0 0 0\n";

    [Fact]
    public void ProcStat_AggregateLine()
    {
        Assert.True(LinuxParsers.TryParseProcStat(ProcStatA, out CpuJiffies j));
        Assert.Equal(new CpuJiffies(1000, 50, 300, 8000, 100, 10, 20, 0), j);
        Assert.Equal(8100UL, j.IdleTotal);
        Assert.Equal(9480UL, j.Total);
    }

    [Fact]
    public void ProcStat_Utilization_BetweenSnapshots()
    {
        Assert.True(LinuxParsers.TryParseProcStat(ProcStatA, out CpuJiffies a));
        Assert.True(LinuxParsers.TryParseProcStat(ProcStatB, out CpuJiffies b));

        // delta total = 600 + 100 + 300 + 20 = 1020, delta idle = 300 → busy 720/1020.
        Assert.Equal(100.0 * 720 / 1020, LinuxParsers.CpuUtilizationPct(a, b)!.Value, 9);
        Assert.Null(LinuxParsers.CpuUtilizationPct(b, a));
        Assert.Null(LinuxParsers.CpuUtilizationPct(a, a));
    }

    [Fact]
    public void ProcStat_OldKernelFourColumns_AndInvalid()
    {
        Assert.True(LinuxParsers.TryParseProcStat("cpu 1 2 3 4\n", out CpuJiffies j));
        Assert.Equal(10UL, j.Total);
        Assert.False(LinuxParsers.TryParseProcStat("cpu0 1 2 3 4\n", out _));
        Assert.False(LinuxParsers.TryParseProcStat("cpu 1 x 3 4\n", out _));
        Assert.False(LinuxParsers.TryParseProcStat(null, out _));
    }

    [Fact]
    public void MemInfo_UsedIsTotalMinusAvailable()
    {
        const string text = "MemTotal:        7802548 kB\nMemFree:          512000 kB\nMemAvailable:    4000000 kB\nBuffers:           1234 kB\n";
        Assert.True(LinuxParsers.TryParseMemInfo(text, out MemInfoSample m));
        Assert.Equal(7802548L, m.TotalKb);
        Assert.Equal(7619L, m.TotalMb);
        Assert.Equal((7802548L - 4000000L) / 1024, m.UsedMb);
    }

    [Theory]
    [InlineData("MemTotal: 100 kB\n")]
    [InlineData("MemAvailable: 100 kB\n")]
    [InlineData("MemTotal: 100 kB\nMemAvailable: 200 kB\n")]
    [InlineData("MemTotal: abc kB\nMemAvailable: 1 kB\n")]
    [InlineData("")]
    public void MemInfo_Invalid(string text) => Assert.False(LinuxParsers.TryParseMemInfo(text, out _));

    [Theory]
    [InlineData("47250\n", 47.25)]
    [InlineData("-5000", -5.0)]
    [InlineData("0", 0.0)]
    public void ThermalZone_Millidegrees(string text, double expected)
    {
        Assert.True(LinuxParsers.TryParseThermalZone(text, out double c));
        Assert.Equal(expected, c);
    }

    [Theory]
    [InlineData("1190400\n", 1190.4)]
    [InlineData("1500000", 1500.0)]
    public void Cpufreq_KhzToMhz(string text, double expected)
    {
        Assert.True(LinuxParsers.TryParseCpufreqKhz(text, out double mhz));
        Assert.Equal(expected, mhz, 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("47.2")]
    [InlineData("-1")]
    public void SysfsInvalid(string text)
    {
        Assert.False(LinuxParsers.TryParseCpufreqKhz(text, out _));
        Assert.Equal(text == "-1", LinuxParsers.TryParseThermalZone(text, out _));
    }

    [Fact]
    public void GetThrottled_0x50005_UnderVoltageAndThrottledNowAndOccurred()
    {
        Assert.True(LinuxParsers.TryParseGetThrottled("throttled=0x50005\n", out PiThrottleConditions f));
        Assert.Equal(
            PiThrottleConditions.UnderVoltage | PiThrottleConditions.Throttled
            | PiThrottleConditions.UnderVoltageOccurred | PiThrottleConditions.ThrottledOccurred,
            f);
        Assert.Equal(PiThrottleConditions.UnderVoltage | PiThrottleConditions.Throttled, LinuxParsers.CurrentThrottling(f));
    }

    [Fact]
    public void GetThrottled_AllBits()
    {
        Assert.True(LinuxParsers.TryParseGetThrottled("throttled=0xf000f", out PiThrottleConditions f));
        Assert.True(f.HasFlag(PiThrottleConditions.FrequencyCapped));
        Assert.True(f.HasFlag(PiThrottleConditions.SoftTemperatureLimit));
        Assert.True(f.HasFlag(PiThrottleConditions.FrequencyCappedOccurred));
        Assert.True(f.HasFlag(PiThrottleConditions.SoftTemperatureLimitOccurred));
        Assert.True(LinuxParsers.TryParseGetThrottled("throttled=0x0", out PiThrottleConditions none));
        Assert.Equal(PiThrottleConditions.None, none);
    }

    [Theory]
    [InlineData("throttled=50005")]
    [InlineData("throttled=0x")]
    [InlineData("temp=47.2'C")]
    [InlineData(null)]
    public void GetThrottled_Invalid(string? text) => Assert.False(LinuxParsers.TryParseGetThrottled(text, out _));

    [Theory]
    [InlineData("temp=47.2'C\n", 47.2)]
    [InlineData("temp=-3.0'C", -3.0)]
    public void MeasureTemp(string text, double expected)
    {
        Assert.True(LinuxParsers.TryParseMeasureTemp(text, out double c));
        Assert.Equal(expected, c);
    }

    [Theory]
    [InlineData("temp='C")]
    [InlineData("temp=47.2C")]
    [InlineData("throttled=0x0")]
    [InlineData(null)]
    public void MeasureTemp_Invalid(string? text) => Assert.False(LinuxParsers.TryParseMeasureTemp(text, out _));
}
