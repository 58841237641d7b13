using System.Globalization;
using System.Text.Json;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

public sealed class TegrastatsJsonTests
{
    private static readonly string[] Keys =
    [
        "ram_used_mb", "ram_total_mb", "swap_used_mb", "swap_total_mb", "cpus", "emc_pct", "gpu_pct", "gpu_freq_mhz",
        "temps_c", "rails_mw", "board_power_mw",
    ];

    [Fact]
    public void Null_IsJsonNull() => Assert.Equal("null", TegrastatsJson.Format(null));

    [Fact]
    public void AgxXavier_GoldenLine()
    {
        TegrastatsSample s = TegrastatsFixtureTests.ParseFirst("agx-xavier-l4t31-1.txt");
        Assert.Equal(
            """{"ram_used_mb":1736,"ram_total_mb":15827,"swap_used_mb":null,"swap_total_mb":null,"cpus":[{"load_pct":1,"freq_mhz":1160},{"load_pct":2,"freq_mhz":1161},{"load_pct":0,"freq_mhz":1189},{"load_pct":0,"freq_mhz":1189},null,null,null,null],"emc_pct":0,"gpu_pct":0,"gpu_freq_mhz":114,"temps_c":{"AO":29,"GPU":30,"iwlwifi":34,"Tboard":30,"Tdiode":33,"AUX":29,"CPU":30,"thermal":29.45,"PMIC":100},"rails_mw":{"GPU":[466,466],"CPU":[466,466],"SOC":[932,932],"CV":[0,0],"VDDRQ":[0,0],"SYS5V":[1854,1854]},"board_power_mw":3718}""",
            TegrastatsJson.Format(s));
    }

    [Theory]
    [InlineData("agx-orin-64gb-jp6-1.txt")]
    [InlineData("tx1-l4t28.1-1.txt")]
    [InlineData("orin-nano-jp6-1.txt")]
    public void ExactlyTheDocumentedKeys_InOrder(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(TegrastatsJson.Format(TegrastatsFixtureTests.ParseFirst(file)));
        Assert.Equal(Keys, doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void MissingFields_AreNull_AndEmptyMapsAreEmpty()
    {
        Assert.True(TegrastatsParser.TryParse("GR3D_FREQ 5%", out TegrastatsSample s));
        Assert.Equal(
            """{"ram_used_mb":null,"ram_total_mb":null,"swap_used_mb":null,"swap_total_mb":null,"cpus":null,"emc_pct":null,"gpu_pct":5,"gpu_freq_mhz":null,"temps_c":{},"rails_mw":{},"board_power_mw":null}""",
            TegrastatsJson.Format(s));
    }

    [Fact]
    public void DuplicateRailNames_GetSuffix_AbsentSensorsLeftOut()
    {
        Assert.True(TegrastatsParser.TryParse("NC 1mW/2mW NC 3mW/4mW gpu@-256C cpu@1.5C", out TegrastatsSample s));
        using JsonDocument doc = JsonDocument.Parse(TegrastatsJson.Format(s));
        Assert.Equal(["NC", "NC#2"], doc.RootElement.GetProperty("rails_mw").EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, doc.RootElement.GetProperty("rails_mw").GetProperty("NC#2")[0].GetInt32());
        Assert.Equal(["cpu"], doc.RootElement.GetProperty("temps_c").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    [InlineData("ar-SA")]
    public void Output_IsCultureInvariant(string culture)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            Assert.True(TegrastatsParser.TryParse("RAM 1/2MB thermal@29.45C", out TegrastatsSample s));
            Assert.Contains("\"thermal\":29.45", TegrastatsJson.Format(s), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
