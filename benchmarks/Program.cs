using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeBench.Benchmarks.Cli;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Core.Profiling;
using EdgeBench.Footage;
using EdgeBench.Benchmarks.Verbs;
using EdgeBench.Inference.OnnxRuntime;
using EdgeBench.Inference.OnnxRuntime.Probes;
using EdgeBench.Models.Zoo;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Summaries;

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

    /// <summary>Shows BenchmarkDotNet's full log on the console as well as in the run folder.</summary>
    internal const string VerboseFlag = "--verbose";

    public static int Main(string[] args) => Run(args);

    /// <summary>
    /// The program; <paramref name="adjustConfig"/> lets tests change the BenchmarkDotNet configuration (a Debug
    /// build needs its optimization check turned off) while everything else runs as for a user.
    /// </summary>
    internal static int Run(string[] args, Func<IConfig, IConfig>? adjustConfig = null)
    {
        adjustConfig ??= config => config;
        if (Environment.GetEnvironmentVariable(Nvtx.EnableVariable) is not null)
        {
            // Asked for: say whether a profiler took the ranges, before any verb or case runs.
            Nvtx.Initialize();
            Console.Error.WriteLine($"nvtx: {Nvtx.Status}");
        }

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
        // --verbose: BenchmarkDotNet's full log on the console too (it always goes to the run folder). A plain flag, so
        // it is taken out here rather than declared as a valued RunSettings option.
        bool verbose = benchmarkArgs.Contains(VerboseFlag);
        benchmarkArgs = benchmarkArgs.Where(a => a != VerboseFlag).ToArray();
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

        string runDirectory = CreateRunDirectory(settings, args, footage);
        Environment.SetEnvironmentVariable(RunSettings.RunDirectoryVariable, runDirectory);
        // A --job on the command line replaces the edge job instead of running beside it.
        bool commandLineJob = benchmarkArgs.Any(a => a is "--job" or "-j");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using RunConsole console = RunConsole.Start(runDirectory, verbose);
        Summary[] summaries;
        using (RunInterruption.Install(console.Messages))
        {
            IConfig config = adjustConfig(EdgeBenchConfig.Create(runDirectory, includeJob: !commandLineJob, console: console));
            summaries = switcher.Run(benchmarkArgs, config).ToArray();
        }

        int exitCode = Report(runDirectory, summaries, console, clock.Elapsed);
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
        EnvironmentInfo environment = CollectEnvironment(settings, repositoryRoot, string.Join(' ', args), footage);
        string commit = environment.GitCommit == EnvironmentInfo.Absent ? "nogit" : environment.GitCommit;
        string runId = string.Create(CultureInfo.InvariantCulture, $"{environment.StartedUtc:yyyyMMdd-HHmmss}-{commit}");
        string runDirectory = Path.Combine(resultsRoot, environment.DeviceId, runId);
        Directory.CreateDirectory(runDirectory);
        environment.Write(Path.Combine(runDirectory, EnvironmentInfo.FileName));
        return runDirectory;
    }

    /// <summary>
    /// environment.json's contents: the device, and the CPU's FMA peak and copy bandwidth measured at the run's thread
    /// count (<see cref="PeakProbe"/>, about 1.5 s; tests shorten it with <paramref name="probeRepeatTime"/>), and the
    /// GPU's GEMM peak when the run lists a GPU backend (<see cref="MeasureGpuPeak"/>).
    /// </summary>
    internal static EnvironmentInfo CollectEnvironment(
        RunSettings settings, string repositoryRoot, string commandLine, string footage, TimeSpan? probeRepeatTime = null)
    {
        ComputePeak cpu = PeakProbe.Measure(settings.EffectiveThreads, repeatTime: probeRepeatTime);
        (GpuPeak? gpu, string? gpuNote) = MeasureGpuPeak(settings);
        return EnvironmentProbe.Collect(repositoryRoot, settings.DeviceId, OrtBackend.RuntimeVersion, OrtBackend.AvailableProviders, commandLine) with
        {
            Footage = footage,
            ComputePeak = gpuNote is null ? cpu : cpu with { Gpu = gpuNote },
            GpuPeak = gpu,
            OrtCudaOptions = settings.Backends.Any(b => BackendNames.IsOnnxRuntime(b) && BackendNames.ProviderOf(b) != OrtExecutionProvider.Cpu)
                ? new SortedDictionary<string, string>(OrtProviders.CudaSettings(new OrtBackendOptions { CudaOptions = settings.CudaOptions }), StringComparer.Ordinal)
                : null,
        };
    }

    /// <summary>
    /// The GPU GEMM probe (<see cref="GpuGemmProbe"/>, about 3 s) when the run has a GPU backend; otherwise nothing
    /// and no note (the CPU probe's says so). A GPU that cannot run it leaves the reason instead of a peak.
    /// </summary>
    private static (GpuPeak? Peak, string? Note) MeasureGpuPeak(RunSettings settings)
    {
        string? gpuBackend = settings.Backends.FirstOrDefault(b => !b.EndsWith("-cpu", StringComparison.Ordinal));
        if (gpuBackend is null)
        {
            return (null, null);
        }

        OrtBackendOptions caseOptions = BackendNames.IsOnnxRuntime(gpuBackend)
            ? BackendNames.Options(gpuBackend, settings.EffectiveThreads)
            : new OrtBackendOptions { CudaOptions = settings.CudaOptions };
        int deviceId = caseOptions.DeviceId;
        try
        {
            IReadOnlyList<GpuGemmMeasurement> measured = GpuGemmProbe.Measure(caseOptions);
            GpuGemmMeasurement fp32 = measured.Single(m => m.Precision == Precision.Fp32);
            GpuGemmMeasurement fp16 = measured.Single(m => m.Precision == Precision.Fp16);
            var peak = new GpuPeak
            {
                Engine = "onnxruntime-cuda",
                DeviceId = deviceId,
                MatrixSize = GpuGemmProbe.DefaultSize,
                Fp32Gflops = fp32.BestGflops,
                Fp32GflopsMedian = fp32.MedianGflops,
                Fp32SpreadPct = fp32.SpreadPct,
                Fp16Gflops = fp16.BestGflops,
                Fp16GflopsMedian = fp16.MedianGflops,
                Fp16SpreadPct = fp16.SpreadPct,
                Method = string.Create(CultureInfo.InvariantCulture,
                    $"one {GpuGemmProbe.DefaultSize}x{GpuGemmProbe.DefaultSize} MatMul (2n^3 FLOPs) through ONNX Runtime's CUDA provider with the cases' options (its default math mode: TF32 tensor cores for fp32 where the GPU has them), device-resident output, inputs bound once; 5 repeats of ~0.2 s ({fp32.RunsPerRepeat} fp32 / {fp16.RunsPerRepeat} fp16 runs each), best = peak"),
            };
            return (peak, $"see gpu_peak: {peak.Engine} GEMM fp32 {peak.Fp32Gflops:0} / fp16 {peak.Fp16Gflops:0} GFLOP/s");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The probe is context for the run's numbers: whatever stops it (no provider, a driver error, a GPU too
            // small for the operands) leaves the reason in environment.json, never the run without its cases.
            return (null, $"not measured: the GPU GEMM probe could not run: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>
    /// After the cases: the fp16-vs-fp32 accuracy pass, the backends table where both engines ran, then the end
    /// screen (<see cref="RunSummary"/>) on the console and as summary.md in the run folder.
    /// </summary>
    private static int Report(string runDirectory, Summary[] summaries, RunConsole console, TimeSpan elapsed)
    {
        string csv = Path.Combine(runDirectory, ResultsCsv.FileName);
        if (summaries.Length == 0 || !File.Exists(csv))
        {
            console.WriteLine(RunInterruption.Requested
                ? $"Interrupted before any case finished; nothing was written to {runDirectory}."
                : $"No benchmark ran (check --filter); nothing was written to {runDirectory}.");
            console.Dispose(); // closes the log file before its folder goes
            Directory.Delete(runDirectory, recursive: true);
            return VerbDispatcher.Ok;
        }

        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(csv);
        console.WriteLine($"Comparing fp16 and int8 with fp32 outputs on the same frames ({EdgeBench.Reporting.Runs.SideFiles.AccuracyFileName})...");
        Accuracy.PrecisionComparison.WriteForRun(runDirectory, rows, console.Log);
        var files = new List<(string Name, string Holds)>
        {
            (ResultsCsv.FileName, "every case: iteration statistics, per-frame columns, telemetry, reasons"),
            (RunSummary.FileName, "this screen, for a pull request"),
            (RunConsole.LogFileName, "BenchmarkDotNet's full log (--verbose shows it live)"),
        };
        if (File.Exists(Path.Combine(runDirectory, EdgeBench.Reporting.Runs.SideFiles.AccuracyFileName)))
        {
            files.Add((EdgeBench.Reporting.Runs.SideFiles.AccuracyFileName, "fp16 and int8 against fp32 on the same frames"));
        }

        if (rows.Any(r => r.FrameTrace.Length > 0))
        {
            files.Add(("frames/", "per-frame traces of the scenario cases"));
        }

        if (EdgeBench.Reporting.Tables.BackendsTable.HasBothEngines(rows))
        {
            // Both engines ran: the stage-by-stage ORT vs TorchSharp table goes into the run folder by itself.
            (IReadOnlyList<string> backendFiles, _) = EdgeBench.Reporting.Reports.ReportWriter.WriteBackends(runDirectory);
            files.Add((Path.GetRelativePath(runDirectory, backendFiles[0]), "ONNX Runtime vs TorchSharp per stage"));
        }

        files.Add(("reports", $"dotnet run -c Release -- report precision|backends {runDirectory}"));
        RunSummary summary = RunSummary.Build(new RunSummaryInput
        {
            Rows = rows,
            RunDirectory = runDirectory,
            Environment = EnvironmentInfo.Read(Path.Combine(runDirectory, EnvironmentInfo.FileName)),
            Elapsed = elapsed,
            Interrupted = RunInterruption.Requested,
            BackendName = BackendNames.Join,
            Files = files,
        });
        File.WriteAllText(Path.Combine(runDirectory, RunSummary.FileName), summary.ToMarkdown());
        console.WriteLine(string.Empty);
        console.WriteLine(summary.ToText(console.Width).TrimEnd());
        return rows.Any(r => r.Status == CaseStatus.Failed) ? VerbDispatcher.Error : VerbDispatcher.Ok;
    }
}
