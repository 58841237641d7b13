using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeBench.Benchmarks.Cli;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Footage;
using EdgeBench.Benchmarks.Verbs;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks;

/// <summary>
/// Entry point. EdgeBench's verbs (<c>diff</c>, <c>report</c>, <c>models</c>, <c>telemetry</c>) are answered first
/// (<see cref="VerbDispatcher"/>); otherwise EdgeBench's own options (<see cref="RunSettings.Options"/>) are taken out
/// and the rest goes to BenchmarkDotNet unchanged, so <c>--filter</c>, <c>--list</c> and <c>--job</c> work as
/// BenchmarkDotNet documents them. <c>--help</c> prints EdgeBench's generated help, then BenchmarkDotNet's.
/// Exit codes: 0 ok (skipped cases included), 1 error or a failed case, 2 regression found (diff), 130 interrupted
/// (results of what ran are written; see <see cref="RunInterruption"/>).
/// </summary>
public static class Program
{
    /// <summary>
    /// BenchmarkDotNet arguments that only print information: no run folder is made for them (nor for a request for
    /// help, <see cref="EdgeBenchCommandLine.AsksForHelp"/>).
    /// </summary>
    private static readonly string[] s_informationalArguments = ["--list", "--version", "--info"];

    public static int Main(string[] args) => Run(args);

    /// <summary>
    /// The program; <paramref name="adjustConfig"/> lets tests change the BenchmarkDotNet configuration (a Debug
    /// build needs its optimization check turned off) while everything else runs as for a user.
    /// </summary>
    internal static int Run(string[] args, Func<IConfig, IConfig>? adjustConfig = null)
    {
        adjustConfig ??= config => config;
        if (VerbDispatcher.TryRun(args, Console.Out, Console.Error, out int exitCode))
        {
            return exitCode;
        }

        RunSettings settings;
        string[] benchmarkArgs;
        try
        {
            (settings, benchmarkArgs) = RunSettings.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine();
            EdgeBenchCommandLine.WriteHelp(Console.Error);
            return VerbDispatcher.Error;
        }

        settings.Export();
        try
        {
            return RunBenchmarks(args, benchmarkArgs, settings, adjustConfig);
        }
        catch (OrtLibraryException e)
        {
            // EDGEBENCH_ORT_LIBRARY names a file that is missing or is not ONNX Runtime: say so, without a stack trace.
            Console.Error.WriteLine($"error: {e.Message}");
            return VerbDispatcher.Error;
        }
    }

    private static int RunBenchmarks(string[] args, string[] benchmarkArgs, RunSettings settings, Func<IConfig, IConfig> adjustConfig)
    {
        if (!benchmarkArgs.Any(a => a is "--filter" or "-f" || a.StartsWith("--filter=", StringComparison.Ordinal)))
        {
            // Without a filter BenchmarkDotNet asks on the console which benchmarks to run, which a script or CI log
            // cannot answer: no filter means every benchmark the options select (e.g. `--model yolov8n` alone).
            benchmarkArgs = [.. benchmarkArgs, "--filter", "*"];
        }

        BenchmarkSwitcher switcher = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly);
        bool help = EdgeBenchCommandLine.AsksForHelp(benchmarkArgs);
        if (help || benchmarkArgs.Any(a => s_informationalArguments.Contains(a)))
        {
            if (help)
            {
                EdgeBenchCommandLine.WriteHelp(Console.Out);
                Console.WriteLine("BenchmarkDotNet's options (passed through unchanged):");
            }

            switcher.Run(benchmarkArgs, adjustConfig(EdgeBenchConfig.Create(Path.Combine(Path.GetTempPath(), "edgebench-info"))));
            if (benchmarkArgs.Contains("--list"))
            {
                // BenchmarkDotNet lists methods; the parameters multiply them into the matrix that will run.
                Console.WriteLine();
                Console.WriteLine(MatrixDescription(settings));
            }

            return VerbDispatcher.Ok;
        }

        // The footage is decoded (and kept for the cases) before the run folder exists: a missing, truncated or
        // unreadable file stops the run here, like a bad option, instead of failing every case at setup.
        string footage;
        try
        {
            footage = CameraFrames.Check(settings);
        }
        catch (FootageException e)
        {
            Console.Error.WriteLine($"error: --frames: {e.Message}");
            return VerbDispatcher.Error;
        }

        Console.WriteLine($"Footage: {footage}");
        string runDirectory = CreateRunDirectory(settings, args, footage);
        Environment.SetEnvironmentVariable(RunSettings.RunDirectoryVariable, runDirectory);
        // A --job on the command line replaces the edge job instead of running beside it.
        bool commandLineJob = benchmarkArgs.Any(a => a is "--job" or "-j");
        Summary[] summaries;
        using (RunInterruption.Install(Console.Out))
        {
            summaries = switcher.Run(benchmarkArgs, adjustConfig(EdgeBenchConfig.Create(runDirectory, includeJob: !commandLineJob))).ToArray();
        }

        int exitCode = Report(runDirectory, summaries);
        return RunInterruption.Requested ? RunInterruption.ExitCode : exitCode;
    }

    /// <summary>The parameter values every listed method runs with, per benchmark class.</summary>
    internal static string MatrixDescription(RunSettings settings)
    {
        var text = new System.Text.StringBuilder("Each method above runs for every combination of:\n");
        foreach (Type type in typeof(Program).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Pipeline.PipelineBenchmarks)) && !t.IsAbstract).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var instance = (Pipeline.PipelineBenchmarks)Activator.CreateInstance(type)!;
            if (instance.SelectedModels.Any())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {type.Name}: Model = {string.Join(", ", instance.SelectedModels)}");
            }
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  Precision = {string.Join(", ", settings.Precisions.Select(p => p.ToName()))} (--precision)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  Batch = {string.Join(", ", settings.Batches)} (--batch)");
        text.Append(CultureInfo.InvariantCulture, $"  Backend = {string.Join(", ", settings.Backends)} (--backend; available: {string.Join(", ", BackendNames.All.Where(b => BackendNames.Availability(b).Available))})");
        return text.ToString();
    }

    /// <summary>results/&lt;device-id&gt;/&lt;yyyyMMdd-HHmmss&gt;-&lt;commit|nogit&gt;/ with environment.json in it.</summary>
    private static string CreateRunDirectory(RunSettings settings, string[] args, string footage)
    {
        string repositoryRoot = RepositoryRoot.Find() ?? Directory.GetCurrentDirectory();
        string resultsRoot = settings.ResultsRoot ?? Path.Combine(repositoryRoot, "results");
        EnvironmentInfo environment = EnvironmentProbe.Collect(
            repositoryRoot,
            settings.DeviceId,
            OrtBackend.RuntimeVersion,
            OrtBackend.AvailableProviders,
            string.Join(' ', args)) with { Footage = footage };
        string commit = environment.GitCommit == EnvironmentInfo.Absent ? "nogit" : environment.GitCommit;
        string runId = string.Create(CultureInfo.InvariantCulture, $"{environment.StartedUtc:yyyyMMdd-HHmmss}-{commit}");
        string runDirectory = Path.Combine(resultsRoot, environment.DeviceId, runId);
        Directory.CreateDirectory(runDirectory);
        environment.Write(Path.Combine(runDirectory, EnvironmentInfo.FileName));
        return runDirectory;
    }

    private static int Report(string runDirectory, Summary[] summaries)
    {
        string csv = Path.Combine(runDirectory, ResultsCsv.FileName);
        if (summaries.Length == 0 || !File.Exists(csv))
        {
            Console.WriteLine(RunInterruption.Requested
                ? $"Interrupted before any case finished; nothing was written to {runDirectory}."
                : $"No benchmark ran (check --filter); nothing was written to {runDirectory}.");
            Directory.Delete(runDirectory, recursive: true);
            return VerbDispatcher.Ok;
        }

        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(csv);
        Console.WriteLine("Comparing fp16 with fp32 outputs on the same frames (accuracy.csv)...");
        Accuracy.PrecisionComparison.WriteForRun(runDirectory, rows, Console.Out);
        if (EdgeBench.Reporting.Tables.BackendsTable.HasBothEngines(rows))
        {
            // Both engines ran: the stage-by-stage ORT vs TorchSharp table goes into the run folder by itself.
            (IReadOnlyList<string> files, _) = EdgeBench.Reporting.Reports.ReportWriter.WriteBackends(runDirectory);
            Console.WriteLine($"ONNX Runtime vs TorchSharp per stage: {files[0]}");
        }

        int ok = rows.Count(r => r.Status == CaseStatus.Ok);
        int skipped = rows.Count(r => r.Status == CaseStatus.Skipped);
        int failed = rows.Count(r => r.Status == CaseStatus.Failed);
        Console.WriteLine();
        Console.WriteLine($"EdgeBench results: {runDirectory}");
        Console.WriteLine($"  {ok} ok, {skipped} skipped, {failed} failed ({ResultsCsv.FileName}, {EnvironmentInfo.FileName}, {EdgeBench.Reporting.Runs.SideFiles.AccuracyFileName}, results/ with BenchmarkDotNet's reports)");
        foreach (ResultRow row in rows.Where(r => r.Status == CaseStatus.Failed).Take(10))
        {
            Console.WriteLine($"  failed: {row.Benchmark}: {row.Reason}");
        }

        return failed == 0 ? VerbDispatcher.Ok : VerbDispatcher.Error;
    }
}
