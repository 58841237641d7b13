using EdgeBench.Telemetry.NvidiaSmi;

namespace EdgeBench.Tests.Telemetry;

public sealed class NvidiaSmiParserTests
{
    // CAPTURED: `nvidia-smi` with NvidiaSmiQuery.Arguments on an idle H200, driver 580.159.04 (2026-11-26).
    private const string CapturedH200 = "0, NVIDIA H200, 120.79, 0, 0, 35, 1980, 0x0000000000000001";

    [Fact]
    public void QueryConstant_HasEightFields_InParserOrder()
    {
        Assert.Equal(NvidiaSmiQuery.FieldCount, NvidiaSmiQuery.Fields.Split(',').Length);
        Assert.StartsWith("--query-gpu=index,name,power.draw,", NvidiaSmiQuery.Arguments, StringComparison.Ordinal);
        Assert.EndsWith(" --format=csv,noheader,nounits", NvidiaSmiQuery.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void CapturedLine_Parses()
    {
        Assert.True(NvidiaSmiParser.TryParse(CapturedH200, out NvidiaSmiSample? s));
        Assert.Equal(new NvidiaSmiSample(0, "NVIDIA H200", 120.79, 0, 0, 35, 1980, 1UL), s);
        Assert.Equal(ClockEventReasons.GpuIdle, s!.ClockEventReasons);
    }

    // The lines below are CONSTRUCTED from the documented format (nvidia-smi --help-query-gpu, nvml.h bit values),
    // not captured.
    [Fact]
    public void NotAvailableAndNotSupported_BecomeNull()
    {
        Assert.True(NvidiaSmiParser.TryParse("1, NVIDIA GeForce RTX 3060 Laptop GPU, [N/A], [Not Supported], 512, 48, 210, [Not Supported]",
            out NvidiaSmiSample? s));
        Assert.Equal(1, s!.Index);
        Assert.Equal("NVIDIA GeForce RTX 3060 Laptop GPU", s.Name);
        Assert.Null(s.PowerDrawW);
        Assert.Null(s.GpuUtilPct);
        Assert.Equal(512, s.MemoryUsedMib);
        Assert.Equal(48, s.TemperatureC);
        Assert.Equal(210, s.SmClockMhz);
        Assert.Null(s.ClockEventReasonsMask);
        Assert.Null(s.ClockEventReasons);
    }

    [Fact]
    public void ThrottleMask_DecodesPowerAndThermalBits()
    {
        Assert.True(NvidiaSmiParser.TryParse("0, NVIDIA H100 80GB HBM3, 699.12, 100, 80000, 83, 1755, 0x0000000000000024",
            out NvidiaSmiSample? s));
        Assert.Equal(ClockEventReasons.SwPowerCap | ClockEventReasons.SwThermalSlowdown, s!.ClockEventReasons);
        Assert.Equal(0x24UL, s.ClockEventReasonsMask);
        Assert.Equal(699.12, s.PowerDrawW);
    }

    [Fact]
    public void UnknownHighBits_StayInRawMask()
    {
        Assert.True(NvidiaSmiParser.TryParse("0, GPU, 1.0, 1, 1, 1, 1, 0x8000000000000004", out NvidiaSmiSample? s));
        Assert.Equal(0x8000000000000004UL, s!.ClockEventReasonsMask);
        Assert.Equal(ClockEventReasons.SwPowerCap, s.ClockEventReasons);
    }

    [Fact]
    public void NameWithComma_KeepsColumnsAligned()
    {
        Assert.True(NvidiaSmiParser.TryParse("2, Odd, Name, 50.5, 3, 4, 5, 6, 0x0", out NvidiaSmiSample? s));
        Assert.Equal("Odd, Name", s!.Name);
        Assert.Equal(50.5, s.PowerDrawW);
        Assert.Equal(6, s.SmClockMhz);
        Assert.Equal(ClockEventReasons.None, s.ClockEventReasons);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("index, name, power.draw [W]")]
    [InlineData("x, NVIDIA H200, 1, 2, 3, 4, 5, 0x0")]
    [InlineData("No devices were found")]
    public void Invalid_ReturnsFalse(string? line) => Assert.False(NvidiaSmiParser.TryParse(line, out _));

    [Fact]
    public void GarbageFields_NeverThrow()
    {
        Assert.True(NvidiaSmiParser.TryParse("0, n, 1e999, -5, 99999999999, abc, 1.5.5, 0xZZ", out NvidiaSmiSample? s));
        Assert.Null(s!.PowerDrawW);
        Assert.Null(s.GpuUtilPct);
        Assert.Null(s.MemoryUsedMib);
        Assert.Null(s.ClockEventReasonsMask);
    }
}
