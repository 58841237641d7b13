using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.IntegrationTests.Benchmarks;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Telemetry;

/// <summary>The generated MobileNetV2 is shared by every telemetry run of a test class: generating it is the slow part.</summary>
public sealed class SharedModels : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgebench-telemetry-models-").FullName;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// One real, short, in-process run of MobileNet's inference (and optionally end-to-end) case at batch 1, fp32, with
/// the telemetry settings of the test, into a fresh run folder. Restores every environment variable it set.
/// </summary>
internal sealed class TelemetryRun : IDisposable
{
    // Dry (cold start, one invocation per iteration) with enough iterations that a 20 ms interval lands several
    // samples inside the measured window of a streaming tool (tegrastats, nvidia-smi print at once).
    private const int DefaultIterations = 12;

    private readonly Job _job;

    private readonly EnvironmentScope _environment = new();

    /// <param name="iterations">Measured iterations per case. Sources polled through a process start per reading
    /// (vcgencmd, a power command) need a longer window: on a loaded 2-core CI machine a 12-iteration MobileNet window
    /// (~60 ms) can close before the two readings that power needs.</param>
    public TelemetryRun(string modelsDirectory, string telemetry, int intervalMs = 20, int iterations = DefaultIterations)
    {
        _job = Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(iterations);
        Root = Directory.CreateTempSubdirectory("edgebench-telemetry-run-").FullName;
        Set(RunSettings.BatchesVariable, "1");
        Set(RunSettings.PrecisionsVariable, "fp32");
        Set(RunSettings.BackendsVariable, "ort-cpu");
        Set(EdgeBench.Models.Zoo.ModelStore.ModelsDirectoryVariable, modelsDirectory);
        Set(RunSettings.RunDirectoryVariable, RunDirectory);
        Set(RunSettings.TelemetryVariable, telemetry);
        Set(RunSettings.TelemetryIntervalVariable, intervalMs.ToString(CultureInfo.InvariantCulture));
        Set(EdgeBench.Telemetry.Tegrastats.TegrastatsSampler.ExecutableEnvironmentVariable, null);
        Set(EdgeBench.Telemetry.NvidiaSmi.NvidiaSmiSampler.ExecutableEnvironmentVariable, null);
        Set(EdgeBench.Telemetry.Linux.LinuxSampler.VcgencmdEnvironmentVariable, null);
        Set(RunSettings.PowerCommandVariable, null);
        Directory.CreateDirectory(RunDirectory);
    }

    public string Root { get; }

    public string RunDirectory => Path.Combine(Root, "run");

    public string TelemetryDirectory => Path.Combine(RunDirectory, "telemetry");

    public void Set(string name, string? value) => _environment.Set(name, value);

    /// <summary>Runs the cases of <paramref name="categories"/> and returns edgebench.csv.</summary>
    public IReadOnlyList<ResultRow> Run(params string[] categories) => Run(extraDiagnoser: null, categories);

    /// <summary>Runs with <paramref name="extraDiagnoser"/> added to EdgeBench's config (use with telemetry none).</summary>
    public IReadOnlyList<ResultRow> Run(BenchmarkDotNet.Diagnosers.IDiagnoser? extraDiagnoser, params string[] categories)
    {
        // Tests build Debug: these runs check behaviour and files, not speed, so the optimization check is off.
        ManualConfig config = ManualConfig.Create(EdgeBenchConfig.Create(RunDirectory, _job));
        if (extraDiagnoser is not null)
        {
            config.AddDiagnoser(extraDiagnoser);
        }

        config
            .AddFilter(new AnyCategoriesFilter(categories.Length == 0 ? [Categories.Inference] : categories))
            // Stage cases only: the end-to-end category also holds the scenarios, whose rows are per frame (DryRunTests).
            .AddFilter(new SimpleFilter(c => CaseIdentity.Of(c).Scenario is null))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkRunner.Run<MobileNetBenchmarks>(config);
        return ResultsCsv.Read(Path.Combine(RunDirectory, ResultsCsv.FileName));
    }

    public void Dispose()
    {
        _environment.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
