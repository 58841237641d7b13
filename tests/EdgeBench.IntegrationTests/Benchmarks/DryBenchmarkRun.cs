using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeBench.Benchmarks;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;

namespace EdgeBench.IntegrationTests.Benchmarks;

/// <summary>
/// A real, dry (one iteration, in-process) benchmark run into a fresh temporary folder, with EdgeBench's settings
/// passed the way the program passes them (environment variables), every one restored on dispose.
/// </summary>
internal sealed class DryBenchmarkRun : IDisposable
{
    private static readonly Job s_dry = Job.Dry.WithToolchain(InProcessEmitToolchain.Instance);
    private readonly EnvironmentScope _environment = new();

    public DryBenchmarkRun(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Directory.CreateDirectory(RunDirectory);
        Set(RunSettings.BatchesVariable, "1");
        Set(RunSettings.PrecisionsVariable, "fp32");
        Set(RunSettings.BackendsVariable, BackendNames.OrtCpu);
        Set(ModelStore.ModelsDirectoryVariable, Path.Combine(Root, "models"));
        Set(RunSettings.RunDirectoryVariable, RunDirectory);
        // Scenario cases: no minimum duration beyond p90's 64 frames, and a fast camera, so a dry class stays quick.
        Set(RunSettings.MinDurationVariable, "0s");
        Set(RunSettings.CameraFpsVariable, "200");
    }

    public string Root { get; }

    public string RunDirectory => Path.Combine(Root, "run");

    public void Set(string name, string? value) => _environment.Set(name, value);

    /// <summary>
    /// Whether the family classes' cold-start cases run: each launches fresh processes (seconds each), so only the
    /// tests about them ask for it.
    /// </summary>
    public bool IncludeColdStart { get; set; }

    /// <summary>
    /// Runs benchmark class <typeparamref name="T"/> (only the methods of <paramref name="categories"/> when any are
    /// named) and returns the edgebench.csv it wrote.
    /// </summary>
    public IReadOnlyList<ResultRow> Run<T>(params string[] categories)
    {
        // Tests build Debug: these dry runs check behaviour and files, not speed, so the optimization check is off.
        ManualConfig config = ManualConfig.Create(EdgeBenchConfig.Create(RunDirectory, s_dry))
            .AddFilter(new BenchmarkDotNet.Filters.SimpleFilter(c => IncludeColdStart || !c.Descriptor.Categories.Contains(EdgeBench.Benchmarks.Categories.ColdStart)))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        if (categories.Length > 0)
        {
            config.AddFilter(new AnyCategoriesFilter(categories));
        }

        BenchmarkRunner.Run<T>(config);
        return ResultsCsv.Read(Path.Combine(RunDirectory, ResultsCsv.FileName));
    }

    /// <summary>
    /// Writes the run folder's environment.json as the program does before the cases (device, peak probe), with the
    /// probe's repeats shortened to <paramref name="probeRepeatTime"/>.
    /// </summary>
    public EnvironmentInfo WriteEnvironment(TimeSpan probeRepeatTime)
    {
        EnvironmentInfo environment = Program.CollectEnvironment(RunSettings.FromEnvironment(), Root, "dry run", "synthetic", probeRepeatTime);
        environment.Write(Path.Combine(RunDirectory, EnvironmentInfo.FileName));
        return environment;
    }

    public void Dispose()
    {
        _environment.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
