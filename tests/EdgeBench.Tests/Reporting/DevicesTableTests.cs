using EdgeBench.Reporting.Reports;
using EdgeBench.Reporting.Runs;
using EdgeBench.Reporting.Tables;

namespace EdgeBench.Tests.Reporting;

public sealed class DevicesTableTests : IDisposable
{
    private const string Jetson = "nvidia-jetson-nano-developer-kit";
    private const string Pi = "raspberry-pi-3-model-b-rev-1-2";

    private readonly string _directory = Directory.CreateTempSubdirectory("edgebench-devices-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IReadOnlyList<DeviceRow> Build(IReadOnlyList<string>? named = null, string? precision = null)
    {
        RunFolder[] runs = DevicesTable.SelectRuns(RunFixtures.ResultsRoot, named ?? []).Select(RunFolder.Open).ToArray();
        return DevicesTable.Build(runs, DeviceCatalog.Read(RunFixtures.Catalog), precision: precision);
    }

    private static DeviceRow Row(IReadOnlyList<DeviceRow> rows, string device, string model) =>
        rows.Single(r => r.DeviceId == device && r.Model == model);

    [Fact]
    public void One_row_per_device_and_model_from_the_latest_run_of_each_device()
    {
        IReadOnlyList<DeviceRow> rows = Build();

        Assert.Equal(
            [$"amd-epyc mobilenetv2", "amd-epyc ssd300", $"{Jetson} mobilenetv2", $"{Jetson} ssd300", $"{Pi} mobilenetv2", $"{Pi} ssd300"],
            rows.Select(r => $"{r.DeviceId} {r.Model}"));
        Assert.Equal(RunFixtures.SsdBId, Row(rows, "amd-epyc", "ssd300").RunId);
    }

    [Fact]
    public void The_fastest_end_to_end_case_is_shown_with_power_energy_and_price()
    {
        DeviceRow ssd = Row(Build(), Jetson, "ssd300");

        Assert.Equal("fp32 b4 onnxruntime/cuda", ssd.Configuration);
        Assert.Equal(2.57, ssd.Fps);
        Assert.Equal(1556.4 / 4, ssd.FrameMedianMs!.Value, 6);
        Assert.Equal(2.57 / 7.6, ssd.FpsPerWatt!.Value, 9);
        Assert.Equal(11828.64 / 4, ssd.EnergyPerFrameMj!.Value, 6);
        Assert.Equal(2.57 / 108, ssd.FpsPerDollar!.Value, 9);
        Assert.Equal(472, ssd.Catalog!.PeakGflops);
    }

    [Fact]
    public void Energy_per_frame_falls_back_to_power_times_time()
    {
        DeviceRow mobileNet = Row(Build(), Jetson, "mobilenetv2");

        Assert.Null(mobileNet.Case!.EnergyMj);
        Assert.Equal(6.2 * 32.26, mobileNet.EnergyPerFrameMj!.Value, 9);
    }

    [Fact]
    public void Missing_measurements_are_absent_not_zero()
    {
        IReadOnlyList<DeviceRow> rows = Build();
        ReportTable table = DevicesTable.ToTable(rows);

        IReadOnlyList<string> amdMobileNet = table.Rows[0];
        Assert.Equal(["amd-epyc", "mobilenetv2", "not in this run", "absent", "absent", "absent", "absent", "absent", "not in catalog", "not in catalog", "not in catalog"],
            amdMobileNet.Take(11));
        IReadOnlyList<string> piMobileNet = table.Rows[4];
        Assert.StartsWith("skipped: ", piMobileNet[2], StringComparison.Ordinal);
        Assert.Equal("absent", piMobileNet[3]);
        Assert.Equal("absent", table.CsvRows[4][table.CsvHeaders.ToList().IndexOf("status")]);
        Assert.Equal(string.Empty, table.CsvRows[4][table.CsvHeaders.ToList().IndexOf("fps")]);
    }

    [Fact]
    public void A_run_without_a_power_sampler_says_not_measured_but_still_gets_fps_per_dollar()
    {
        IReadOnlyList<DeviceRow> rows = Build();
        ReportTable table = DevicesTable.ToTable(rows);

        DeviceRow piSsd = Row(rows, Pi, "ssd300");
        Assert.Equal("Raspberry Pi 3 Model B", piSsd.Catalog!.Name);
        Assert.Equal(0.09 / 35, piSsd.FpsPerDollar!.Value, 12);
        IReadOnlyList<string> cells = table.Rows[5];
        Assert.Equal(["0.090", "not measured", "not measured", "not measured", "35.0", "0.0026", "21.4"], cells.Skip(3).Take(1).Concat(cells.Skip(5).Take(6)));

        DeviceRow amdSsd = Row(rows, "amd-epyc", "ssd300");
        Assert.NotNull(amdSsd.Fps);
        Assert.Null(amdSsd.PowerW);
        Assert.Null(amdSsd.Catalog);
    }

    [Fact]
    public void A_run_named_on_the_command_line_replaces_its_devices_latest()
    {
        IReadOnlyList<DeviceRow> rows = Build([RunFixtures.MobileNet]);

        Assert.Equal(RunFixtures.MobileNetId, Row(rows, "amd-epyc", "mobilenetv2").RunId);
        Assert.Equal("fp32 b1 onnxruntime/cpu", Row(rows, "amd-epyc", "mobilenetv2").Configuration);
        Assert.Null(Row(rows, "amd-epyc", "ssd300").Case);
    }

    [Fact]
    public void A_precision_filter_picks_that_precision()
    {
        DeviceRow ssd = Row(Build(precision: "fp16"), Jetson, "ssd300");

        Assert.Equal("fp16 b1 onnxruntime/cuda", ssd.Configuration);
        Assert.Equal(1.20, ssd.Fps);
    }

    [Theory]
    [InlineData("nvidia-jetson-nano-developer-kit", "NVIDIA Jetson Nano 4GB Developer Kit")]
    [InlineData("raspberry-pi-3-model-b-rev-1-2", "Raspberry Pi 3 Model B")]
    [InlineData("raspberry-pi-3-model-b-plus-rev-1-3", "Raspberry Pi 3 Model B+")]
    [InlineData("raspberry-pi-3-model-bx", null)]
    [InlineData("amd-epyc", null)]
    public void The_catalog_matches_exactly_or_by_the_longest_prefix(string deviceId, string? name) =>
        Assert.Equal(name, DeviceCatalog.Read(RunFixtures.Catalog).Find(deviceId)?.Name);

    [Fact]
    public void The_report_writes_tables_and_both_charts_under_reports()
    {
        string root = Path.Combine(_directory, "results");
        foreach (string device in Directory.GetDirectories(RunFixtures.ResultsRoot))
        {
            RunFixtures.CopyTo(device, root);
        }

        File.Copy(RunFixtures.Catalog, Path.Combine(root, "devices.csv"));

        (IReadOnlyList<string> files, string markdown) = ReportWriter.WriteDevices(root, [], catalogPath: null);

        Assert.Equal(
            ["devices.md", "devices.csv", "devices-fps.png", "devices-fps.svg", "devices-fps-vs-power.png", "devices-fps-vs-power.svg"],
            files.Select(Path.GetFileName));
        Assert.All(files, f => Assert.Equal(Path.Combine(root, "reports"), Path.GetDirectoryName(f)));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100, f));
        Assert.Contains("the committed device catalog", markdown, StringComparison.Ordinal);
        Assert.Contains($"| {Jetson} | ssd300 | fp32 b4 onnxruntime/cuda | 2.57 |", markdown, StringComparison.Ordinal);

        // A second report over the same root ignores the reports folder it wrote.
        Assert.Equal(markdown, ReportWriter.WriteDevices(root, [], catalogPath: null).Markdown);
    }

    [Fact]
    public void A_broken_environment_in_one_device_is_an_error_naming_the_file()
    {
        string root = Path.Combine(_directory, "results");
        string device = RunFixtures.CopyTo(Path.Combine(RunFixtures.ResultsRoot, Pi), root);
        string environment = Directory.GetFiles(device, "environment.json", SearchOption.AllDirectories).Single();
        File.WriteAllText(environment, "[1, 2");

        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.WriteDevices(root, [], RunFixtures.Catalog));
        Assert.StartsWith(environment + ": not a valid environment.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catalog_with_a_bad_price_is_an_error_naming_file_line_and_column()
    {
        string catalog = Path.Combine(_directory, "devices.csv");
        File.WriteAllText(catalog, "device_id,name,price_usd,peak_gflops\nx,X,$35,1\n");

        var e = Assert.Throws<InvalidDataException>(() => DeviceCatalog.Read(catalog));
        Assert.Equal($"{catalog}: line 2, column price_usd: '$35' is not a number (invariant culture, e.g. 0.998).", e.Message);
    }

    [Fact]
    public void A_root_without_runs_is_an_error_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "some-device", "20260101-000000-abc1234"));

        var e = Assert.Throws<InvalidDataException>(() => DevicesTable.SelectRuns(_directory, []));
        Assert.StartsWith(_directory + ": no run folder with an edgebench.csv", e.Message, StringComparison.Ordinal);
    }
}
