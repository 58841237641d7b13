using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

// Forms documented in NVIDIA's Jetson Linux Developer Guide that the captured fixtures do not contain (JetPack 7.2, Thor,
// DRIVE-style, sentinels). These lines are CONSTRUCTED from the documented token grammar, not captured; the
// captured lines are covered by TegrastatsFixtureTests.
public sealed class TegrastatsParserFormsTests
{
    [Fact]
    public void JetPack72_CurMaxTemperatures_And_ThreeValueRails()
    {
        const string line = "RAM 5000/62000MB (lfb 10x4MB) CPU [1%@1300,2%@1300] EMC_FREQ 3%@3199 "
            + "GR3D_FREQ 12%@[1300,1300] cpu@34.312C/34.843C tj@40C/41.5C VIN 87426mW/43713mW/87426mW VDD_GPU 100mW/50mW/100mW";
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Equal(new TemperatureSample("cpu", 34.312, 34.843), s.Temperatures[0]);
        Assert.Equal(34.312, s.TempsC["cpu"]);
        Assert.Equal(new RailSample("VIN", 87426, 43713, 87426), s.RailsMw[0]);
        Assert.Equal(12, s.GpuPct);
        Assert.Equal(1300, s.GpuFreqMhz);
        Assert.Equal([1300, 1300], s.GpuFreqPerGpcMhz!);
        Assert.Equal(87426L, s.BoardPowerMw);
        Assert.Equal("VIN", s.BoardPowerSource);
    }

    [Fact]
    public void Thor_GpuFrequencyArrayWithoutLoad_TakesMaxAndNoPercent()
    {
        const string line = "RAM 9000/125000MB (lfb 2x4MB) CPU [0%@972,0%@972,off] GR3D_FREQ @[0,1575,1200] "
            + "NVENC0_FREQ @1556 VIC 59%@423 cpu@41.1C soc012@39C gpu@38C VDD_GPU 3000mW/3000mW VDD_CPU_SOC_MSS 9000mW/9000mW";
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Null(s.GpuPct);
        Assert.Equal(1575, s.GpuFreqMhz);
        Assert.Equal([0, 1575, 1200], s.GpuFreqPerGpcMhz!);
        Assert.Equal([new CpuCoreSample(0, 972), new CpuCoreSample(0, 972), null], s.Cpus);
        Assert.Contains(new EngineSample("NVENC0_FREQ", false, null, 1556), s.Engines);
        Assert.Contains(new EngineSample("VIC", false, 59, 423), s.Engines);
        Assert.Equal(12000L, s.BoardPowerMw);
        Assert.Equal("sum of 2 rails", s.BoardPowerSource);
        Assert.Empty(s.UnknownTokens);
    }

    [Fact]
    public void DriveStyle_EmcFrequencyOnly_AndSecondGpu()
    {
        const string line = "RAM 100/200MB CPU [5%@2000] EMC_FREQ @3199 GR3D_FREQ 99%@1274 GR3D2_FREQ 99%@1274 NVENC_LOAD 7%";
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Null(s.EmcPct);
        Assert.Equal(3199, s.EmcFreqMhz);
        Assert.Equal(99, s.GpuPct);
        Assert.Equal(1274, s.GpuFreqMhz);
        Assert.Null(s.GpuFreqPerGpcMhz);
        Assert.Contains(new EngineSample("GR3D2_FREQ", false, 99, 1274), s.Engines);
        Assert.Contains(new EngineSample("NVENC_LOAD", false, 7, null), s.Engines);
        Assert.Null(s.BoardPowerMw);
        Assert.Null(s.BoardPowerSource);
    }

    [Fact]
    public void AbsentSensor_IsLeftOut_AndNegativeTemperaturesParse()
    {
        const string line = "RAM 1/2MB CPU [1%@1] CV0@-256C GPU@-256C CPU@-3.5C Tboard@30C";
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Equal(["CV0", "GPU"], s.AbsentSensors);
        Assert.Equal([("CPU", -3.5), ("Tboard", 30.0)], s.Temperatures.Select(t => (t.Zone, t.CurrentC)));
        Assert.False(s.TempsC.ContainsKey("GPU"));
    }

    [Fact]
    public void DuplicateNcRails_AreKeptDistinct()
    {
        const string line = "RAM 1/2MB VDD_GPU_SOC 4940mW/4940mW VDD_CPU_CV 988mW/988mW VIN_SYS_5V0 4442mW/4442mW "
            + "NC 0mW/0mW VDDQ_VDD2_1V8AO 500mW/500mW NC 0mW/0mW";
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Equal(["VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0", "NC", "VDDQ_VDD2_1V8AO", "NC"], s.RailsMw.Select(r => r.Name));
        Assert.Equal("sum of 6 rails", s.BoardPowerSource);
        Assert.Equal(4940L + 988 + 4442 + 500, s.BoardPowerMw);
    }

    [Fact]
    public void WhitespaceRuns_TabsAndTrailingSpace_AreTolerated()
    {
        const string line = "  RAM   1736/15827MB (lfb\t3283x4MB)    CPU [1%@1160,off]  GPU 466/466   ";
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Equal(1736, s.RamUsedMb);
        Assert.Equal(3283, s.RamLfbBlocks);
        Assert.Equal([new CpuCoreSample(1, 1160), null], s.Cpus);
        Assert.Equal([new RailSample("GPU", 466, 466, null)], s.RailsMw);
    }

    [Theory]
    [InlineData("512kB", 512)]
    [InlineData("1MB", 1024)]
    [InlineData("4MB", 4096)]
    public void LfbBlockSize_AcceptsKbAndMb(string size, int expectedKb)
    {
        Assert.True(TegrastatsParser.TryParse($"RAM 10/20MB (lfb 3x{size})", out TegrastatsSample s));
        Assert.Equal(expectedKb, s.RamLfbBlockKb);
    }

    [Fact]
    public void NonRootLine_EmcAndGpuWithoutFrequency()
    {
        Assert.True(TegrastatsParser.TryParse("RAM 1/2MB CPU [1%@1] EMC_FREQ 0% GR3D_FREQ 7%", out TegrastatsSample s));
        Assert.Equal((0, (int?)null), (s.EmcPct!.Value, s.EmcFreqMhz));
        Assert.Equal((7, (int?)null), (s.GpuPct!.Value, s.GpuFreqMhz));
    }

    [Fact]
    public void UnknownTokens_AreKept_NotFatal()
    {
        Assert.True(TegrastatsParser.TryParse("RAM 1/2MB EDP limit 1734 FOO bar% ???", out TegrastatsSample s));
        Assert.Equal(["EDP", "limit", "1734", "FOO", "bar%", "???"], s.UnknownTokens);
    }

    [Fact]
    public void InvalidTimestamp_IsStrippedButNotParsed()
    {
        Assert.True(TegrastatsParser.TryParse("13-45-2024 99:99:99 RAM 1/2MB", out TegrastatsSample s));
        Assert.Equal("13-45-2024 99:99:99", s.TimestampText);
        Assert.Null(s.Timestamp);
        Assert.Empty(s.UnknownTokens);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Thu Nov 26 05:59:32 UTC 2026")]
    [InlineData("11-15-2024 08:38:09")]
    [InlineData("APE 150 VIC_FREQ 115")]
    [InlineData("RAM")]
    [InlineData("RAM x/yMB CPU [] GR3D_FREQ %")]
    public void LinesWithoutRecognisableField_ReturnFalse(string line)
    {
        Assert.False(TegrastatsParser.TryParse(line, out _));
        Assert.False(TegrastatsParser.TryParse(line.AsSpan(), out _));
    }

    [Fact]
    public void NullString_ReturnsFalse()
    {
        Assert.False(TegrastatsParser.TryParse((string?)null, out TegrastatsSample s));
        Assert.NotNull(s);
    }

    [Fact]
    public void HugeNumbers_AreRejectedPerToken_NotWrapped()
    {
        Assert.True(TegrastatsParser.TryParse("RAM 99999999999/2MB VDD_IN 1/1 CPU [5%@99999999999] gpu@1" + new string('9', 400) + "C",
            out TegrastatsSample s));
        Assert.Null(s.RamUsedMb);
        Assert.Empty(s.Cpus);
        Assert.Empty(s.Temperatures);
        Assert.Equal(1L, s.BoardPowerMw);
    }
}
