using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeBench.Benchmarks.Telemetry;

namespace EdgeBench.IntegrationTests.Telemetry;

/// <summary>A workload that throws inside the measured iterations never sends AfterActualRun: the sampler it
/// started must still be stopped before the run returns (the diagnoser stops it at AfterAll; without that, this
/// test finds the fake still running).</summary>
[Collection(nameof(EdgeBench.IntegrationTests.Benchmarks.BenchmarkRuns))]
public sealed class ThrowingWorkloadTests : IDisposable
{
    private readonly FakeTelemetryTools _tools = new();

    public void Dispose() => _tools.Dispose();

    [Fact]
    public void A_workload_that_throws_mid_run_leaves_no_sampler_process_behind()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string fake = _tools.Repeating("tegrastats", FakeTelemetryTools.CapturedTegrastatsLine("orin-nano-jp6-1.txt"));
        var diagnoser = new TegrastatsDiagnoser(new TelemetryDiagnoserConfig { ExecutablePath = fake, Interval = TimeSpan.FromMilliseconds(20) });
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(12))
            .AddDiagnoser(diagnoser)
            .AddLogger(NullLogger.Instance)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile)
            .WithArtifactsPath(Path.Combine(_tools.Dir, "artifacts"));

        BenchmarkDotNet.Reports.Summary summary = BenchmarkRunner.Run<ThrowsInActualIterations>(config);

        Assert.False(summary.Reports.Single().Success);
        _tools.AssertNothingLeftBehind();
    }
}

/// <summary>Throws from the sixth call on: after the jitting and warm-up calls, inside the actual iterations.</summary>
[BenchmarkCategory("test")]
public class ThrowsInActualIterations
{
    private int _calls;

    [Benchmark]
    public int Work()
    {
        Thread.Sleep(10);
        return ++_calls > 5 ? throw new InvalidOperationException("failing on purpose inside the measured iterations") : _calls;
    }
}
