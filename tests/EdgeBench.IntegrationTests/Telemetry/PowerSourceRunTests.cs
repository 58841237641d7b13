using System.Globalization;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Telemetry;
using EdgeBench.Reporting.Results;
using EdgeBench.Telemetry.Linux;

namespace EdgeBench.IntegrationTests.Telemetry;

/// <summary>
/// Real benchmark runs (MobileNetV2 inference, fp32, batch 1, in-process dry job) whose power comes from a fake
/// vcgencmd replaying a real Raspberry Pi 5 <c>pmic_read_adc</c> dump, or from a fake <c>--power-command</c>.
/// </summary>
[Collection(nameof(EdgeBench.IntegrationTests.Benchmarks.BenchmarkRuns))]
public sealed class PowerSourceRunTests(SharedModels models) : IClassFixture<SharedModels>, IDisposable
{
    // Sum of V x I over the dump's 12 rails, computed exactly outside EdgeBench (TestData/vcgencmd/SOURCES.md).
    private const double DumpBoardPowerW = 10.7998944469885750;

    // Each reading of these sources is a process start, and power needs two readings in the window: on a loaded CI
    // machine 60 dry iterations of MobileNetV2 (0.23 s) got one; 250 give about a second, several readings.
    private const int PolledSourceIterations = 250;

    private readonly FakeTelemetryTools _tools = new();

    public void Dispose() => _tools.Dispose();

    [Fact]
    public void A_fake_vcgencmd_replaying_a_real_Pi_5_dump_gives_every_row_that_board_power_with_the_rails_in_the_raw_samples()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string dump = FakeTelemetryTools.CapturedFile("vcgencmd", "pi5-pmic_read_adc-load.txt");
        using var run = new TelemetryRun(models.Directory, "linux", iterations: PolledSourceIterations);
        run.Set(LinuxSampler.VcgencmdEnvironmentVariable, _tools.Vcgencmd(dump));

        IReadOnlyList<ResultRow> rows = run.Run(EdgeBench.Benchmarks.Categories.Inference, EdgeBench.Benchmarks.Categories.EndToEnd);

        Assert.Equal(2, rows.Count);
        foreach (ResultRow row in rows)
        {
            Assert.Equal(CaseStatus.Ok, row.Status);
            Assert.True(row.PowerW is not null, $"{row.Benchmark}: no power; notes: {row.Notes}");
            Assert.Equal(DumpBoardPowerW, row.PowerW!.Value, 0.0006); // edgebench.csv keeps 4 significant digits: 10.80
            Assert.NotNull(row.EnergyMj);
            Assert.Contains("(power: Pi 5 PMIC, V x I summed over 12 rails (every channel in the raw samples); it does not see the 5 V branches: USB ports, HATs, fan)", row.Notes, StringComparison.Ordinal);
            Assert.DoesNotContain("no power readings", row.Notes, StringComparison.Ordinal);

            // Every reading carries the board power to 0.1 mW and all 26 channels exactly as the dump prints them.
            string[] lines = File.ReadAllLines(Path.Combine(run.TelemetryDirectory, RawFileName(row)));
            string header = lines.Single(l => l.StartsWith(RawSamplesFile.Header, StringComparison.Ordinal));
            string[] columns = header.Split(',');
            string[] channels = [.. File.ReadAllLines(dump).Select(l => l.Trim()[..l.Trim().IndexOf(' ', StringComparison.Ordinal)])];
            Assert.Equal(channels, columns[RawSamplesFile.Header.Split(',').Length..]);
            string[][] data = [.. lines.Where(l => !l.StartsWith('#') && l != header).Select(l => l.Split(','))];
            int power = Array.IndexOf(columns, "power_mw");
            int firstChannel = RawSamplesFile.Header.Split(',').Length;

            // A poll whose vcgencmd run outlived its time limit (a loaded 2-core CI machine running both test tiers) is a
            // reading without power: then none of its channels may be there either (never half a dump).
            string[][] withPower = [.. data.Where(cells => cells[power].Length > 0)];
            Assert.True(withPower.Length >= 2, $"{withPower.Length} of {data.Length} readings with power");
            Assert.All(data.Except(withPower), cells => Assert.All(cells[firstChannel..], channel => Assert.Equal(string.Empty, channel)));
            Assert.All(withPower, cells =>
            {
                Assert.Equal((DumpBoardPowerW * 1000).ToString("0.#", CultureInfo.InvariantCulture), cells[power]);
                Assert.Equal("10.87674", cells[Array.IndexOf(columns, "VDD_CORE_A")]);
                Assert.Equal("0.8974594", cells[Array.IndexOf(columns, "VDD_CORE_V")]);
                Assert.Equal("5.06788", cells[Array.IndexOf(columns, "EXT5V_V")]);
                Assert.Equal("3.011108", cells[Array.IndexOf(columns, "BATT_V")]);
            });
        }

        _tools.AssertNothingLeftBehind();
    }

    [Fact]
    public void A_power_command_beside_the_linux_source_gives_every_row_its_watts()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string meter = _tools.Script("usb-meter", "printf '3.75 W\\nV=5.08 A=0.74\\n'");
        using var run = new TelemetryRun(models.Directory, "linux", iterations: PolledSourceIterations);
        run.Set(RunSettings.PowerCommandVariable, meter);

        IReadOnlyList<ResultRow> rows = run.Run(EdgeBench.Benchmarks.Categories.Inference, EdgeBench.Benchmarks.Categories.EndToEnd);

        Assert.Equal(2, rows.Count);
        foreach (ResultRow row in rows)
        {
            Assert.Equal(CaseStatus.Ok, row.Status);
            Assert.Equal(3.75, row.PowerW!.Value, 9);
            Assert.NotNull(row.EnergyMj);
            Assert.InRange(row.CpuUtilPct!.Value, 0, 100); // the source still reports its own figures
            Assert.StartsWith($"telemetry: linux, ", row.Notes, StringComparison.Ordinal);
            // The note may add "N of M runs failed (last: ...)": on a loaded 2-core machine (CI runs both tiers at once) a
            // run of the meter can time out; what this test holds is that the watts are the command's.
            Assert.Matches($@"\(power: the power command's watts \('{System.Text.RegularExpressions.Regex.Escape(meter)}'\)(\)|, \d+ of \d+ runs failed)", row.Notes);
        }

        _tools.AssertNothingLeftBehind();
    }

    [Fact]
    public void A_power_command_with_telemetry_none_is_the_source()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var run = new TelemetryRun(models.Directory, "none", iterations: PolledSourceIterations);
        run.Set(RunSettings.PowerCommandVariable, "echo 6.5");

        ResultRow row = Assert.Single(run.Run());

        Assert.Equal(6.5, row.PowerW!.Value, 9);
        Assert.NotNull(row.EnergyMj);
        Assert.Null(row.CpuUtilPct);
        Assert.StartsWith("telemetry: power-command, ", row.Notes, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Failures => new()
    {
        { "echo 'meter not found on /dev/ttyUSB0' >&2; exit 2", "last: it exited with code 2: meter not found on /dev/ttyUSB0" },
        { "echo '<html>502 Bad Gateway</html>'", "last: its first line '<html>502 Bad Gateway</html>' is not watts; expected a number >= 0, e.g. 4.2" },
        { "sleep 60", "last: it did not finish within 2 s and was killed" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failing_power_command_leaves_the_case_measured_without_power_and_says_why(string body, string expectedReason)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string meter = _tools.Script("usb-meter", body);
        using var run = new TelemetryRun(models.Directory, "linux");
        run.Set(RunSettings.PowerCommandVariable, meter);

        ResultRow row = Assert.Single(run.Run());

        Assert.Equal(CaseStatus.Ok, row.Status);
        Assert.True(row.MeanMs > 0);
        Assert.Equal(string.Empty, row.Reason);
        Assert.Null(row.PowerW);
        Assert.Null(row.EnergyMj);
        Assert.NotNull(row.CpuUtilPct);
        Assert.StartsWith("telemetry: linux, ", row.Notes, StringComparison.Ordinal);
        Assert.Contains($"the power command '{meter}' gave no watts in ", row.Notes, StringComparison.Ordinal);
        // The last run's failure is the one named. On a loaded 2-core machine (CI runs both tiers at once) even a quick
        // script's run can outlive the 2-s limit, so a timeout may be the last failure of the other cases too.
        const string TimedOut = "last: it did not finish within 2 s and was killed";
        Assert.True(row.Notes.EndsWith(expectedReason, StringComparison.Ordinal) || row.Notes.EndsWith(TimedOut, StringComparison.Ordinal), row.Notes);
        _tools.AssertNothingLeftBehind();
    }

    private static string RawFileName(ResultRow row) =>
        $"MobileNetBenchmarks.{(row.Stage == "inference" ? "Inference" : "EndToEnd")}_{row.Model}_{row.Precision}_{row.Batch.ToString(CultureInfo.InvariantCulture)}_ort-cpu.csv";
}
