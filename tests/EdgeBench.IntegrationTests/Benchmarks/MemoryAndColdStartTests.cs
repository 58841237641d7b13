using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A real dry run of the MobileNet class with its cold-start cases: the children are real launches of the benchmark
/// program (the hidden coldstart verb), and the memory columns come from this process's /proc/self/status.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class MemoryAndColdStartTests : IDisposable
{
    private const int Launches = 2;
    private readonly DryBenchmarkRun _run = new("edgebench-memory-");

    public MemoryAndColdStartTests()
    {
        _run.Set(RunSettings.ColdStartsVariable, Launches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _run.IncludeColdStart = true;
    }

    public void Dispose() => _run.Dispose();

    [Theory]
    [InlineData("/root/st/app/EdgeBench.Benchmarks", true)] // self-contained publish: no dotnet on PATH
    [InlineData("/work/benchmarks/bin/Release/net10.0/EdgeBench.Benchmarks", true)]
    [InlineData(@"C:\app\EdgeBench.Benchmarks.exe", true)]
    [InlineData("/usr/share/dotnet/dotnet", false)]
    [InlineData("/work/tests/bin/Debug/net10.0/testhost", false)]
    [InlineData("/opt/EdgeBench", false)]
    [InlineData(null, false)]
    public void A_launch_restarts_the_program_itself_only_when_this_process_is_it(string? processPath, bool own)
    {
        Assert.Equal(own, ColdStart.IsProgramExecutable(processPath?.Replace('\\', Path.DirectorySeparatorChar), "EdgeBench.Benchmarks"));
    }

    [Fact]
    public void Ok_rows_carry_memory_and_cold_start_rows_come_from_fresh_processes()
    {
        IReadOnlyList<ResultRow> rows = _run.Run<MobileNetBenchmarks>();
        double fileMib = new FileInfo(Path.Combine(_run.Root, "models", "generated", "mobilenetv2-fp32.onnx")).Length / (1024.0 * 1024.0);

        ResultRow[] measured = rows.Where(r => r.Status == CaseStatus.Ok && !r.Stage.StartsWith("cold-start-", StringComparison.Ordinal)).ToArray();
        Assert.Equal(10, measured.Length); // 8 stages and 2 scenarios
        bool peakResettable = EdgeBench.Telemetry.Linux.ProcessMemory.ResetPeak() is null;
        Assert.All(measured, r =>
        {
            Assert.Equal(Math.Round(fileMib, 1), r.ModelFileMb);
            Assert.True(r.ModelRssMb > 1, $"{r.Stage}: model_rss_mb {r.ModelRssMb}");
            if (peakResettable)
            {
                // The process holds the runtime, the frames and the pipeline: above what the pipeline alone added.
                Assert.True(r.PeakRssMb > r.ModelRssMb, $"{r.Stage}: peak_rss_mb {r.PeakRssMb}, model_rss_mb {r.ModelRssMb}");
            }
            else
            {
                Assert.Null(r.PeakRssMb);
                Assert.Contains("clear_refs", r.Notes, StringComparison.Ordinal);
            }
        });

        // One pipeline serves the configuration: what it added was measured once, when it was built, and every case says so.
        Assert.Single(measured.Select(r => r.ModelRssMb).Distinct());

        ResultRow[] coldStart = rows.Where(r => r.Stage.StartsWith("cold-start-", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["cold-start-first-frame", "cold-start-first-inference", "cold-start-launch", "cold-start-model-load", "cold-start-session"],
            coldStart.Select(r => r.Stage).Order(StringComparer.Ordinal));
        Assert.All(coldStart, r =>
        {
            Assert.Equal(CaseStatus.Ok, r.Status);
            Assert.Equal(("mobilenetv2", "fp32", 1, "onnxruntime"), (r.Model, r.Precision, r.Batch, r.Backend));
            Assert.Equal(Launches, r.Iterations);
            Assert.True(r.MedianMs > 0 && r.MedianMs <= r.MaxMs && r.MeanMs <= r.MaxMs, $"{r.Stage}: median {r.MedianMs}, max {r.MaxMs}");
            Assert.Null(r.Fps);
            Assert.Null(r.FrameMs);
            Assert.Equal(Math.Round(fileMib, 1), r.ModelFileMb);
            Assert.True(r.ModelRssMb > 1 && r.PeakRssMb > r.ModelRssMb, $"{r.Stage}: peak {r.PeakRssMb}, model {r.ModelRssMb}");
            Assert.Contains($"{Launches} fresh processes", r.Notes, StringComparison.Ordinal);
        });

        // Every launch is kept for diff: the median of a row's launches is its median_ms.
        IReadOnlyDictionary<string, double[]> launches = ColdStartLaunches.Read(_run.RunDirectory);
        Assert.All(coldStart, r =>
        {
            double[] values = [.. launches[r.Benchmark].Order()];
            Assert.Equal(Launches, values.Length);
            Assert.Equal(ResultsCsv.Significant((values[0] + values[1]) / 2, ResultsCsv.SignificantDigits), r.MedianMs);
        });

        double Median(string stage) => coldStart.Single(r => r.Stage == "cold-start-" + stage).MedianMs!.Value;
        // Frame 1 holds the first inference; a launch holds the runtime's start, the session and frame 1.
        Assert.True(Median("first-frame") >= Median("first-inference"));
        Assert.True(Median("launch") > Median("session") + Median("first-frame"), $"launch {Median("launch")} ms");
        Assert.InRange(Median("session"), 1, 60_000);
        Assert.True(File.Exists(Path.Combine(_run.RunDirectory, ColdStartRecords.FileName)));
        Assert.True(File.Exists(Path.Combine(_run.RunDirectory, CaseMemory.FileName)));
    }
}
