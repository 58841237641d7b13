using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Models.Graph;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A real, dry run of MobileNetV2's inference and preprocess cases after the program's environment step: the peak
/// probe lands in environment.json and every inference row gets achieved GFLOP/s and % of that peak.
/// </summary>
[Collection(nameof(BenchmarkRuns))]
public sealed class RooflineDryRunTests : IDisposable
{
    private readonly DryBenchmarkRun _run = new("edgebench-roofline-dry-");

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Inference_rows_carry_achieved_gflops_and_percent_of_the_recorded_peak()
    {
        _run.WriteEnvironment(probeRepeatTime: TimeSpan.FromMilliseconds(20));

        IReadOnlyList<ResultRow> rows = _run.Run<MobileNetBenchmarks>(Categories.Inference, Categories.Preprocess);

        ComputePeak peak = EnvironmentInfo.Read(Path.Combine(_run.RunDirectory, EnvironmentInfo.FileName)).ComputePeak
            ?? throw new Xunit.Sdk.XunitException("environment.json has no compute_peak");
        Assert.True(peak.CpuFmaGflops > 0 && peak.MemoryCopyGbps > 0, $"{peak.CpuFmaGflops} GFLOP/s, {peak.MemoryCopyGbps} GB/s");
        Assert.Equal(PeakProbe.FmaIsa.Isa, peak.CpuIsa);

        ResultRow inference = rows.Single(r => r.Stage == "inference" && r.Status == CaseStatus.Ok);
        double flopsPerFrame = FlopCounter.CountCatalogModel(ModelCatalog.MobileNetV2Id).FlopsPerFrame;
        double expected = flopsPerFrame * inference.Fps!.Value / 1e9;
        // The CSV keeps 4 significant digits of each number, the fps it is compared with included.
        Assert.Equal(expected, inference.AchievedGflops!.Value, expected * 2e-3);
        double expectedPct = inference.AchievedGflops.Value / peak.CpuFmaGflops * 100;
        Assert.Equal(expectedPct, inference.PeakPct!.Value, expectedPct * 2e-3);

        ResultRow[] others = rows.Where(r => r.Stage != "inference").ToArray();
        Assert.NotEmpty(others);
        Assert.All(others, r => Assert.Equal((null, null), (r.AchievedGflops, r.PeakPct)));
    }
}
