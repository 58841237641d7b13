using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Validators;
using Perfolizer.Horology;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>The one place BenchmarkDotNet is configured for EdgeBench.</summary>
internal static class EdgeBenchConfig
{
    /// <summary>
    /// The edge job. What it trades away, and why (also in the README):
    /// <list type="bullet">
    /// <item>In-process toolchain: BenchmarkDotNet's default builds and starts a separate project per run, which costs
    /// minutes on a 2-core board; in-process runs in this process. Cases share one process, so a native crash ends
    /// the run (measured rows survive in edgebench.partial.csv). <c>--job</c> overrides go back to BenchmarkDotNet's
    /// defaults.</item>
    /// <item>No overhead evaluation: the per-call harness cost (nanoseconds) is not subtracted from workloads that take
    /// 10 microseconds to seconds.</item>
    /// <item>One launch and 6 measured iterations of at least 100 ms (one call when a call takes longer), unroll 1:
    /// enough for a 99.9% confidence interval on a quiet board while the default suite stays near 10 minutes on 2
    /// cores. No warm-up iterations: before the measured ones the case has already run its jitting call and its pilot
    /// (which doubles the calls per iteration until one takes 100 ms, at least one full call), so caches, arenas and
    /// the JIT are warm; a warm-up iteration more cost the default suite ~40 s. Variance between launches (layout, JIT)
    /// is not sampled.</item>
    /// </list>
    /// </summary>
    public static Job EdgeJob { get; } = Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(0)
        .WithIterationCount(6)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
        .WithUnrollFactor(1)
        // BenchmarkDotNet's default minimum of 4 calls per iteration makes every iteration of a 0.7 s SSD300 batch
        // take 3 s (and its pilot, warm-up and memory-diagnoser iterations too); one call of a slow case is already
        // above IterationTime, so one call per iteration loses no precision there and fast cases still get many.
        .WithMinInvokeCount(1)
        // Overhead evaluation times an empty call (~ns) for 20+ iterations of IterationTime each: ~3 s per case,
        // more than half of the default suite, to subtract a few nanoseconds from workloads of 10 us to seconds.
        .WithEvaluateOverhead(false)
        .WithId(EdgeJobId);

    /// <summary>
    /// The job of scenario cases (<see cref="ScenarioAttribute"/>) and cold-start cases (<see cref="ColdStart"/>): one
    /// invocation, which runs the scenario's whole measured window with its own warm-up and run rules and records every
    /// frame, or launches the cold-start processes. Monitoring, so BenchmarkDotNet
    /// neither jits nor pilots it (each of those would run the window again); one iteration, no warm-up iterations.
    /// </summary>
    public static Job ScenarioJob { get; } = Job.Default
        // The in-process executor stops a case after 5 minutes by default and takes the whole process down with it;
        // a scenario's window is bounded by its own cap (--sustained runs up to 24 h), so allow that and more.
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(26), logOutput: true))
        .WithStrategy(BenchmarkDotNet.Engines.RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(0)
        .WithIterationCount(1)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithEvaluateOverhead(false)
        .WithId(ScenarioJobId);

    /// <summary>Id of <see cref="ScenarioJob"/>; <see cref="CaseFilter"/> pairs scenario cases with it and other cases with the edge job.</summary>
    public const string ScenarioJobId = "Scenario";

    /// <summary>Id of <see cref="EdgeJob"/>.</summary>
    public const string EdgeJobId = "Edge";

    /// <summary>
    /// The configuration of a run writing into <paramref name="runDirectory"/>. <paramref name="job"/> replaces the
    /// edge job; with <paramref name="includeJob"/> false the config has no job, so BenchmarkDotNet's own (or the
    /// one given with --job on the command line) is used. With a <paramref name="console"/> BenchmarkDotNet logs into
    /// the run folder and the console shows progress; without one (tests) it logs to the console as usual.
    /// </summary>
    public static IConfig Create(string runDirectory, Job? job = null, bool includeJob = true, RunConsole? console = null)
    {
        CaseOutcomes.Clear();
        ScenarioRecords.Clear();
        ColdStartRecords.Clear();
        CaseMemory.Clear();
        ManualConfig config = ManualConfig.CreateEmpty();
        if (includeJob)
        {
            // The edge job's cases beside the scenario job's (CaseFilter pairs each method with one); a job given
            // here (tests: dry) or on the command line runs every case, scenarios included, on its own.
            config.AddJob(job is null ? [EdgeJob, ScenarioJob] : [job]);
        }

        // Telemetry: the sampler diagnoser --telemetry picks (auto by default); none adds nothing.
        if (Telemetry.TelemetryDiagnosers.Create(RunSettings.FromEnvironment(), runDirectory) is { } telemetry)
        {
            config.AddDiagnoser(telemetry);
        }

        return config
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, StatisticColumn.P90, CategoriesColumn.Default)
            .AddColumn(FrameColumn.FrameTime, FrameColumn.Fps, FrameColumn.Throughput, FrameColumn.FrameP99, FrameColumn.Verdict)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(console is null ? ConsoleLogger.Default : console.Logger)
            // Raw per-iteration samples (diffs compare samples, not means), a Markdown table for pull requests,
            // and EdgeBench's contract file.
            .AddExporter(JsonExporter.Full, CompactMarkdownExporter.Instance, new EdgeBenchExporter(runDirectory))
            // The memory recorder first: the processors after it write the case's row, which reads its record.
            .AddEventProcessor(new CaseMemory.Recorder(), new IncrementalResults(runDirectory), new KeptPipelineRelease())
            .AddEventProcessor(console is null ? [] : [console.Progress])
            .AddFilter(new CaseFilter())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddValidator(new CategoryValidator())
            // Ratios are computed within a stage category: a stage's baseline sits beside it.
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)
            .WithOrderer(new CaseExecutionOrderer())
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(24))
            .WithArtifactsPath(runDirectory)
            // One summary for the whole run, so edgebench.csv and the reports cover every class.
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
    }
}

/// <summary>Disposes the pipeline the last configuration kept (<see cref="Pipeline.KeptPipeline"/>) when the run's cases end.</summary>
internal sealed class KeptPipelineRelease : BenchmarkDotNet.EventProcessors.EventProcessor
{
    public override void OnEndRunStage() => Pipeline.KeptPipeline.Release();
}
