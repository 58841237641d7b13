using System.Text.Json;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Tests.Telemetry;

// Checks the parser against real captured lines (TestData/tegrastats, provenance in SOURCES.md) and the hand-audited
// values in expected.json. Never edit expected.json to make a test pass.
public sealed class TegrastatsFixtureTests
{
    private static readonly string FixtureDir = Path.Combine(AppContext.BaseDirectory, "TestData", "tegrastats");

    public static TheoryData<string> FixtureFiles()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(FixtureDir, "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Fact]
    public void ExpectedJson_CoversEveryFixtureFile()
    {
        using JsonDocument expected = LoadExpected();
        string[] inJson = expected.RootElement.GetProperty("files").EnumerateObject().Select(p => p.Name)
            .Order(StringComparer.Ordinal).ToArray();
        string[] onDisk = Directory.GetFiles(FixtureDir, "*.txt").Select(Path.GetFileName).OfType<string>()
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(onDisk, inJson);
        Assert.True(onDisk.Length >= 8);
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void FirstLine_MatchesExpectedJson(string file)
    {
        using JsonDocument expectedDoc = LoadExpected();
        JsonElement e = expectedDoc.RootElement.GetProperty("files").GetProperty(file);
        string line = File.ReadLines(Path.Combine(FixtureDir, file)).First();

        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));

        Assert.Equal(NullableString(e, "timestamp"), s.TimestampText);
        Assert.Equal(NullableInt(e, "ram_used_mb"), s.RamUsedMb);
        Assert.Equal(NullableInt(e, "ram_total_mb"), s.RamTotalMb);
        Assert.Equal(NullableInt(e, "swap_used_mb"), s.SwapUsedMb);
        Assert.Equal(NullableInt(e, "swap_total_mb"), s.SwapTotalMb);

        CpuCoreSample?[] expectedCpus = e.GetProperty("cpu_cores").EnumerateArray()
            .Select(c => NullableInt(c, "load_percent") is { } load
                ? new CpuCoreSample(load, NullableInt(c, "freq_mhz"))
                : (CpuCoreSample?)null)
            .ToArray();
        Assert.Equal(expectedCpus, s.Cpus);

        Assert.Equal(NullableInt(e, "emc_percent"), s.EmcPct);
        Assert.Equal(NullableInt(e, "emc_freq_mhz"), s.EmcFreqMhz);
        Assert.Equal(NullableInt(e, "gpu_percent"), s.GpuPct);
        Assert.Equal(NullableInt(e, "gpu_freq_mhz"), s.GpuFreqMhz);
        JsonElement perGpc = e.GetProperty("gpu_freq_mhz_per_gpc");
        if (perGpc.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(s.GpuFreqPerGpcMhz);
        }
        else
        {
            Assert.Equal(perGpc.EnumerateArray().Select(x => x.GetInt32()), s.GpuFreqPerGpcMhz!);
        }

        // expected.json keeps -256 verbatim; the parser moves such zones to AbsentSensors (none in these captures).
        var expectedTemps = e.GetProperty("temperatures").EnumerateObject()
            .Where(p => p.Value.GetDouble() != -256)
            .Select(p => (p.Name, p.Value.GetDouble())).ToArray();
        Assert.Equal(expectedTemps, s.Temperatures.Select(t => (t.Zone, t.CurrentC)).ToArray());
        Assert.All(s.Temperatures, t => Assert.Null(t.MaxC));

        var expectedRails = e.GetProperty("power_rails").EnumerateObject()
            .Select(p => (p.Name, p.Value[0].GetInt32(), p.Value[1].GetInt32())).ToArray();
        Assert.Equal(expectedRails, s.RailsMw.Select(r => (r.Name, r.CurrentMw, r.AverageMw)).ToArray());
        Assert.All(s.RailsMw, r => Assert.Null(r.MaxMw));
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void EveryLine_Parses_WithCoreFields(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(FixtureDir, file));
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s), line);
            Assert.NotNull(s.RamUsedMb);
            Assert.NotEmpty(s.Cpus);
            Assert.NotNull(s.GpuPct);
        }
    }

    [Theory]
    [InlineData("nano-jp4.6.1-1.txt", 1750L, "POM_5V_IN")]
    [InlineData("tx2-jp4-1.txt", 3056L, "VDD_IN")]
    [InlineData("xavier-nx-jp5.1.2-1.txt", 2763L, "VDD_IN")]
    [InlineData("orin-nano-jp6-1.txt", 12479L, "VDD_IN")]
    [InlineData("agx-orin-64gb-jp6-1.txt", 4940L + 988 + 4442, "sum of 3 rails")]
    [InlineData("agx-xavier-l4t31-1.txt", 466L + 466 + 932 + 0 + 0 + 1854, "sum of 6 rails")]
    [InlineData("tx1-l4t28.1-1.txt", null, null)]
    public void BoardPower_UsesInputRailElseSum(string file, long? expectedMw, string? expectedSource)
    {
        string line = File.ReadLines(Path.Combine(FixtureDir, file)).First();
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        Assert.Equal(expectedMw, s.BoardPowerMw);
        Assert.Equal(expectedSource, s.BoardPowerSource);
    }

    [Fact]
    public void Fixtures_ExtrasParsed_EnginesMtsIramLfb()
    {
        TegrastatsSample xavier = ParseFirst("agx-xavier-l4t31-1.txt");
        Assert.Equal(0, xavier.MtsForegroundPct);
        Assert.Equal(0, xavier.MtsBackgroundPct);
        Assert.Equal([new EngineSample("APE", false, null, 150)], xavier.Engines);
        Assert.Empty(xavier.UnknownTokens);
        Assert.Equal(3283, xavier.RamLfbBlocks);
        Assert.Equal(4096, xavier.RamLfbBlockKb);

        TegrastatsSample nano = ParseFirst("nano-jp4.6.1-1.txt");
        Assert.Equal((0, 252, 252), (nano.IramUsedKb, nano.IramTotalKb, nano.IramLfbKb));
        Assert.Equal(6, nano.SwapCachedMb);
        Assert.Empty(nano.UnknownTokens);

        TegrastatsSample orin = ParseFirst("orin-nano-jp6-1.txt");
        Assert.Equal(new DateTime(2024, 11, 15, 8, 38, 9, DateTimeKind.Unspecified), orin.Timestamp);
        Assert.Equal(["NVDEC", "NVJPG", "NVJPG1", "VIC", "OFA"], orin.Engines.Where(x => x.IsOff).Select(x => x.Name));
        Assert.Empty(orin.UnknownTokens);

        TegrastatsSample tx1 = ParseFirst("tx1-l4t28.1-1.txt");
        Assert.Equal(["APE"], tx1.Engines.Select(x => x.Name));
        Assert.Empty(tx1.UnknownTokens);

        // PMIC is a constant on these releases; kept, and flagged as such for consumers.
        Assert.Contains(TegrastatsParser.ConstantZones, z => nano.TempsC.ContainsKey(z));
    }

    internal static TegrastatsSample ParseFirst(string file)
    {
        string line = File.ReadLines(Path.Combine(FixtureDir, file)).First();
        Assert.True(TegrastatsParser.TryParse(line, out TegrastatsSample s));
        return s;
    }

    internal static IEnumerable<string> AllFixtureLines() =>
        Directory.GetFiles(FixtureDir, "*.txt").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines);

    private static JsonDocument LoadExpected() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "expected.json")));

    private static int? NullableInt(JsonElement e, string name) =>
        e.GetProperty(name) is { ValueKind: JsonValueKind.Number } v ? v.GetInt32() : null;

    private static string? NullableString(JsonElement e, string name) =>
        e.GetProperty(name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
}
