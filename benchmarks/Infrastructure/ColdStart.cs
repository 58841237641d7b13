using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeBench.Benchmarks.Pipeline;
using EdgeBench.Core;
using EdgeBench.Models.Zoo;
using EdgeBench.Pipeline;
using EdgeBench.Telemetry.Linux;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// What one fresh process measured from its start to its first frame's detections (the hidden <c>coldstart</c> verb
/// prints it as one JSON line). Times in ms, memory in KiB as /proc prints it.
/// </summary>
internal sealed record ColdStartLaunch
{
    /// <summary>Reading the model file through a 1 MiB buffer, after its pages were dropped from the page cache.</summary>
    public required double ModelLoadMs { get; init; }

    /// <summary>Creating the pipeline: the engine's session (provider start, graph optimisation, weight packing) and its tensors.</summary>
    public required double SessionMs { get; init; }

    /// <summary>The first inference, on frame 1 after to-tensor and preprocess.</summary>
    public required double FirstInferenceMs { get; init; }

    /// <summary>To-tensor + preprocess + first inference + postprocess of frame 1.</summary>
    public required double FirstFrameMs { get; init; }

    /// <summary>Stopwatch timestamp when frame 1's detections were ready (CLOCK_MONOTONIC on Linux: the parent's clock too).</summary>
    public required long DetectionsTimestamp { get; init; }

    /// <summary>VmHWM of the child at the end: its peak resident memory over its whole life.</summary>
    public long? PeakRssKib { get; init; }

    /// <summary>VmRSS after the pipeline was created minus before.</summary>
    public long? ModelRssKib { get; init; }

    public required long ModelFileBytes { get; init; }

    /// <summary>Why the model file could not be evicted from the page cache; null when it was.</summary>
    public string? EvictionNote { get; init; }
}

/// <summary>Median, max, mean and standard deviation of one cold-start stage over the launches, and each launch's value, ms.</summary>
internal sealed record ColdStartStatistic(double MedianMs, double MaxMs, double MeanMs, double StdDevMs, int Launches, double[] Samples)
{
    public static ColdStartStatistic Of(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        double mean = sorted.Average();
        double variance = n > 1 ? sorted.Sum(v => (v - mean) * (v - mean)) / (n - 1) : 0;
        return new ColdStartStatistic(median, sorted[^1], mean, Math.Sqrt(variance), n, [.. values]);
    }
}

/// <summary>What a configuration's launches measured: one statistic per cold-start row, and the children's memory.</summary>
internal sealed record ColdStartRecord
{
    public required Dictionary<string, ColdStartStatistic> Stages { get; init; }

    /// <summary>The largest VmHWM of the children, MiB.</summary>
    public double? PeakRssMib { get; init; }

    /// <summary>The children's median model-added RSS, MiB.</summary>
    public double? ModelRssMib { get; init; }

    public double ModelFileMib { get; init; }

    public string Notes { get; init; } = string.Empty;
}

/// <summary>
/// Cold start, each launch a fresh process: the benchmark program itself, started with the hidden <c>coldstart</c>
/// verb for one (model, precision, backend, batch), measures its first frame (<see cref="Measure"/>) and prints it;
/// the case's benchmark method starts <c>--cold-starts</c> of them (<see cref="Launch"/>) and records median and max
/// (<see cref="ColdStartRecords"/>). A fresh process is the only honest cold start: in the run's own process the
/// engine's libraries, the JIT and the allocator are warm from the cases before.
/// </summary>
internal static class ColdStart
{
    public const string VerbName = "coldstart";

    /// <summary>The cold-start rows (stage <c>cold-start-&lt;name&gt;</c>), in the order the methods are declared.</summary>
    public const string ModelLoad = "model-load";
    public const string Session = "session";
    public const string FirstInference = "first-inference";
    public const string FirstFrame = "first-frame";
    public const string Launch = "launch";

    /// <summary>TensorRT only: launch 1, whose session builds the engine into an empty cache (the other rows are the
    /// launches after it, which load that engine).</summary>
    public const string SessionEmptyCache = "session-empty-cache";
    public const string LaunchEmptyCache = "launch-empty-cache";

    /// <summary>The marker of the child's result line among whatever else the engines print.</summary>
    private const string ResultPrefix = "edgebench-coldstart ";

    private static readonly TimeSpan s_launchTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The child's side: builds the pipeline of one case from nothing and times each step up to frame 1's
    /// detections. The frames are rendered (or decoded) first, outside every timed step: a camera delivers them.
    /// </summary>
    public static ColdStartLaunch Measure(string modelId, Precision precision, string backend, int batch, int threads)
    {
        BackendNames.ThrowIfCannotRun(backend, precision);
        RunSettings settings = RunSettings.FromEnvironment();
        FrameRing ring = new(CameraFrames.Load(settings.Frames, CameraFrames.RingSize(batch)));

        ResolvedModel model = Int8Calibration.Store(settings).Resolve(modelId, precision);
        (int width, int height) = (ring.Frames[0].Width, ring.Frames[0].Height);

        string? eviction = ProcessMemory.EvictFromPageCache(model.Path);
        long start = Stopwatch.GetTimestamp();
        ReadThrough(model.Path);
        double modelLoadMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        long? rssBefore = ProcessMemory.ReadSelf().RssKib;
        start = Stopwatch.GetTimestamp();
        using IVisionPipeline pipeline = BackendNames.CreatePipeline(backend, model, batch, threads, width, height);
        double sessionMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        long? rssAfter = ProcessMemory.ReadSelf().RssKib;

        long frameStart = Stopwatch.GetTimestamp();
        pipeline.ToTensor(ring.Next(batch));
        pipeline.Preprocess();
        long inferenceStart = Stopwatch.GetTimestamp();
        pipeline.Infer();
        long inferenceEnd = Stopwatch.GetTimestamp();
        if (pipeline.HasPostprocess)
        {
            pipeline.Postprocess();
        }

        long detections = Stopwatch.GetTimestamp();
        return new ColdStartLaunch
        {
            ModelLoadMs = modelLoadMs,
            SessionMs = sessionMs,
            FirstInferenceMs = Stopwatch.GetElapsedTime(inferenceStart, inferenceEnd).TotalMilliseconds,
            FirstFrameMs = Stopwatch.GetElapsedTime(frameStart, detections).TotalMilliseconds,
            DetectionsTimestamp = detections,
            PeakRssKib = ProcessMemory.ReadSelf().PeakRssKib,
            ModelRssKib = rssAfter - rssBefore,
            ModelFileBytes = model.SizeBytes,
            EvictionNote = eviction,
        };
    }

    /// <summary>The child's result line.</summary>
    public static string Format(ColdStartLaunch launch) => ResultPrefix + JsonSerializer.Serialize(launch);

    /// <summary>
    /// The parent's side: <paramref name="launches"/> fresh processes, one after another, each timed from just before
    /// its start to its detections (<see cref="Launch"/> row: runtime start, JIT, library loading included).
    /// A child that fails raises <see cref="InvalidOperationException"/> with its own error text.
    /// </summary>
    public static ColdStartRecord Run(string modelId, string precision, string backend, int batch, int threads, int launches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(launches, 1);
        // A backend that caches its engine on disk (TensorRT) starts from a fresh, empty cache folder: launch 1 builds
        // the engine (its own rows), launches 2..N load it (the usual rows), as a board's first boot and every later one.
        bool engineCache = BackendNames.HasEngineCache(backend);
        if (engineCache && launches < 2)
        {
            throw new InvalidOperationException($"cold start of {modelId} {precision} {backend}: a TensorRT cold start needs --cold-starts 2 or more (launch 1 builds the engine into an empty cache, the others load it); it is {launches}.");
        }

        string? cacheDirectory = engineCache ? Directory.CreateTempSubdirectory("edgebench-coldstart-engines-").FullName : null;
        var results = new List<(ColdStartLaunch Launch, double LaunchMs)>();
        try
        {
            for (int i = 0; i < launches; i++)
            {
                if (RunInterruption.Requested)
                {
                    throw new CaseSkippedException(RunInterruption.SkipReason);
                }

                results.Add(LaunchOne(modelId, precision, backend, batch, threads, cacheDirectory));
            }
        }
        finally
        {
            if (cacheDirectory is not null)
            {
                Directory.Delete(cacheDirectory, recursive: true);
            }
        }

        (ColdStartLaunch Launch, double LaunchMs)? emptyCache = engineCache ? results[0] : null;
        if (engineCache)
        {
            results.RemoveAt(0);
        }

        ColdStartStatistic Stat(Func<(ColdStartLaunch Launch, double LaunchMs), double> value) => ColdStartStatistic.Of(results.Select(value).ToArray());
        long?[] peaks = results.Select(r => r.Launch.PeakRssKib).ToArray();
        double[] modelRss = results.Where(r => r.Launch.ModelRssKib is not null).Select(r => (double)r.Launch.ModelRssKib!.Value).ToArray();
        string? eviction = results.Select(r => r.Launch.EvictionNote).FirstOrDefault(n => n is not null);
        var stages = new Dictionary<string, ColdStartStatistic>(StringComparer.Ordinal)
        {
            [ModelLoad] = Stat(r => r.Launch.ModelLoadMs),
            [Session] = Stat(r => r.Launch.SessionMs),
            [FirstInference] = Stat(r => r.Launch.FirstInferenceMs),
            [FirstFrame] = Stat(r => r.Launch.FirstFrameMs),
            [Launch] = Stat(r => r.LaunchMs),
        };
        if (emptyCache is { } first)
        {
            stages[SessionEmptyCache] = ColdStartStatistic.Of([first.Launch.SessionMs]);
            stages[LaunchEmptyCache] = ColdStartStatistic.Of([first.LaunchMs]);
        }

        return new ColdStartRecord
        {
            Stages = stages,
            PeakRssMib = peaks.All(p => p is not null) ? peaks.Max()!.Value / 1024.0 : null,
            ModelRssMib = modelRss.Length > 0 ? ColdStartStatistic.Of(modelRss).MedianMs / 1024.0 : null,
            ModelFileMib = results[0].Launch.ModelFileBytes / (1024.0 * 1024.0),
            Notes = string.Create(CultureInfo.InvariantCulture, $"{launches} fresh processes; median in median_ms, max in max_ms; memory columns are the children's")
                + (engineCache ? string.Create(CultureInfo.InvariantCulture, $"; engine cache: launch 1 built the engine into an empty cache folder (the *-empty-cache rows), these rows are launches 2-{launches}, which loaded it") : string.Empty)
                + (eviction is null ? "; model file evicted from the page cache before each load" : "; page cache not evicted: " + eviction),
        };
    }

    private static (ColdStartLaunch Launch, double LaunchMs) LaunchOne(string modelId, string precision, string backend, int batch, int threads,
        string? engineCacheDirectory)
    {
        ProcessStartInfo start = ChildStart(
            [VerbName, "--model", modelId, "--precision", precision, "--backend", backend,
                "--batch", batch.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture)]);
        if (engineCacheDirectory is not null)
        {
            start.Environment[EdgeBench.Inference.OnnxRuntime.OrtBackendOptions.EngineCacheVariable] = engineCacheDirectory;
        }

        long launched = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_launchTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"cold start of {modelId} {precision} {backend}: the child did not finish within {s_launchTimeout.TotalMinutes:0} minutes and was stopped.");
        }

        string output = stdout.GetAwaiter().GetResult();
        string errors = stderr.GetAwaiter().GetResult();
        string? line = output.Split('\n').LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            string why = errors.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no error text";
            throw new InvalidOperationException($"cold start of {modelId} {precision} {backend}: the child exited with {process.ExitCode}: {why}");
        }

        ColdStartLaunch launch = JsonSerializer.Deserialize<ColdStartLaunch>(line[ResultPrefix.Length..])
            ?? throw new InvalidOperationException($"cold start: unreadable child result '{line}'.");
        double launchMs = (launch.DetectionsTimestamp - launched) * 1000.0 / Stopwatch.Frequency;
        return (launch, launchMs);
    }

    /// <summary>
    /// The benchmark program: its own executable when this process is it, else through the dotnet host that runs this
    /// process (under a test host, where the program is a referenced assembly): <c>dotnet EdgeBench.Benchmarks.dll coldstart ...</c>.
    /// </summary>
    private static ProcessStartInfo ChildStart(IEnumerable<string> arguments)
    {
        // Started through its own executable (dotnet run, a published or self-contained program: a board or the GPU
        // machine may have no dotnet on PATH): start that executable again.
        string? self = Environment.ProcessPath;
        bool ownExecutable = IsProgramExecutable(self, typeof(ColdStart).Assembly.GetName().Name!);
        // Otherwise the host beside the shared runtime this process runs on (<root>/shared/Microsoft.NETCore.App/<version>/).
        string runtimeHost = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
        var start = new ProcessStartInfo(ownExecutable ? self! : File.Exists(runtimeHost) ? runtimeHost : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!ownExecutable)
        {
            start.ArgumentList.Add(typeof(ColdStart).Assembly.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>
    /// Whether <paramref name="processPath"/> is the program's own executable (<c>EdgeBench.Benchmarks</c>, or with
    /// .exe), not a host such as dotnet or a test host. By file name, not name-without-extension: the program's name has
    /// a dot, so Path.GetFileNameWithoutExtension would read "EdgeBench" and send a self-contained program (no dotnet
    /// on PATH) to a dotnet host that is not there.
    /// </summary>
    internal static bool IsProgramExecutable(string? processPath, string assemblyName)
    {
        string? file = Path.GetFileName(processPath);
        return file is not null && (file == assemblyName || file == assemblyName + ".exe");
    }

    /// <summary>Reads the whole file through one small buffer: the storage's cost, without holding the file in memory.</summary>
    private static void ReadThrough(string path)
    {
        byte[] buffer = new byte[1 << 20];
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        while (stream.Read(buffer) > 0)
        {
        }
    }
}

/// <summary>
/// The cold-start measurements of the run, one per configuration (the family class's setup key, which every cold-start
/// method of that configuration shares): the first of its methods to run launches the children, the others read its
/// record. In memory and in <c>cold-starts.jsonl</c> in the run folder, as <see cref="ScenarioRecords"/>.
/// </summary>
internal static class ColdStartRecords
{
    public const string FileName = "cold-starts.jsonl";

    private static readonly RunFolderRecords<ColdStartRecord> s_records = new(FileName);

    public static void Clear() => s_records.Clear();

    public static void Record(string key, ColdStartRecord record) => s_records.Record(key, record);

    public static ColdStartRecord? For(string key, string? runDirectory) => s_records.For(key, runDirectory);
}
