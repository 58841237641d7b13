using EdgeBench.Telemetry;
using EdgeBench.Telemetry.Linux;

namespace EdgeBench.Tests.Telemetry;

// A real Raspberry Pi 5 dump (TestData/vcgencmd, provenance in SOURCES.md) and variations of it.
public sealed class PmicParserTests
{
    /// <summary>Sum of V x I over the dump's 12 rails with both channels, computed exactly outside EdgeBench
    /// (SOURCES.md).</summary>
    public const double DumpBoardPowerW = 10.7998944469885750;

    private static readonly string[] s_dump = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "vcgencmd", "pi5-pmic_read_adc-load.txt"));

    private static string Dump => string.Join('\n', s_dump) + "\n";

    [Fact]
    public void The_real_dump_gives_every_channel_in_order_and_the_V_x_I_sum_of_the_rails_with_both()
    {
        Assert.True(PmicParser.TryParse(Dump, out PmicReading pmic));

        Assert.Equal(DumpBoardPowerW, pmic.BoardPowerW, 1e-12);
        Assert.Equal(
            ["3V7_WL_SW", "3V3_SYS", "1V8_SYS", "DDR_VDD2", "DDR_VDDQ", "1V1_SYS", "0V8_SW", "VDD_CORE", "3V3_DAC", "3V3_ADC", "0V8_AON", "HDMI"],
            pmic.PoweredRails);
        Assert.Equal(26, pmic.Channels.Count);
        Assert.Equal(new TelemetryChannel("3V7_WL_SW_A", 0), pmic.Channels[0]);
        Assert.Equal(new TelemetryChannel("VDD_CORE_A", 10.87674), pmic.Channels[7]);
        Assert.Equal(new TelemetryChannel("VDD_CORE_V", 0.8974594), pmic.Channels[19]);
        // Voltage only: kept as channels, not in the sum.
        Assert.Equal(new TelemetryChannel("EXT5V_V", 5.06788), pmic.Channels[24]);
        Assert.Equal(new TelemetryChannel("BATT_V", 3.011108), pmic.Channels[25]);
    }

    [Fact]
    public void Rails_are_matched_by_name_whatever_their_order_and_channel_numbers()
    {
        // Another firmware: other channel numbers, lines in another order, alignment lost.
        string[] renumbered = [.. s_dump.Reverse().Select((line, i) => System.Text.RegularExpressions.Regex.Replace(line.Trim(), @"\(\d+\)", $"({i + 40})"))];

        Assert.True(PmicParser.TryParse(string.Join("\r\n", renumbered), out PmicReading pmic));

        Assert.Equal(DumpBoardPowerW, pmic.BoardPowerW, 1e-12);
        Assert.Equal(12, pmic.PoweredRails.Count);
    }

    [Fact]
    public void A_rail_without_its_current_or_a_value_that_is_not_a_number_is_left_out_of_the_sum()
    {
        string withoutCore = string.Join('\n', s_dump.Where(l => !l.Contains("VDD_CORE_A", StringComparison.Ordinal)));
        Assert.True(PmicParser.TryParse(withoutCore, out PmicReading pmic));
        Assert.Equal(DumpBoardPowerW - (10.87674 * 0.8974594), pmic.BoardPowerW, 1e-12);
        Assert.Contains(new TelemetryChannel("VDD_CORE_V", 0.8974594), pmic.Channels);

        string nan = Dump.Replace("BATT_V volt(25)=3.01110800V", "BATT_V volt(25)=nanV", StringComparison.Ordinal)
            .Replace("HDMI_A current(22)=0.01367520A", "HDMI_A current(22)=-A", StringComparison.Ordinal);
        Assert.True(PmicParser.TryParse(nan, out pmic));
        Assert.DoesNotContain(pmic.Channels, c => c.Name is "BATT_V" or "HDMI_A");
        Assert.Equal(DumpBoardPowerW - (0.0136752 * 5.07056), pmic.BoardPowerW, 1e-12);
    }

    [Theory]
    [InlineData("error=1 error_msg=\"Command not registered\"\n")] // a Pi 4's firmware
    [InlineData("")]
    [InlineData("     EXT5V_V volt(24)=5.06788000V\n      BATT_V volt(25)=3.01110800V\n")] // voltages only: no power
    [InlineData("  VDD_CORE_A volt(7)=10.87674000A\n  VDD_CORE_V current(15)=0.89745940V\n")] // kinds swapped
    [InlineData("  VDD_CORE_A current(7)=10.87674000V\n  VDD_CORE_V volt(15)=0.89745940A\n")] // units swapped
    public void Output_without_a_rail_that_has_both_channels_is_not_a_reading(string text)
    {
        Assert.False(PmicParser.TryParse(text, out PmicReading pmic));
        Assert.Equal(0, pmic.BoardPowerW);
        Assert.False(PmicParser.TryParse(null, out _));
    }
}
