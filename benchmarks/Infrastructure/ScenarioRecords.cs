using System.Text;
using EdgeBench.Pipeline.Frames;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>What one scenario case measured, as edgebench.csv and the diagnosis need it (milliseconds, percent).</summary>
internal sealed record ScenarioRecord
{
    public required string Scenario { get; init; }

    public required int Frames { get; init; }

    public required int RequiredFrames { get; init; }

    public required int DroppedFrames { get; init; }

    public required double DroppedPercent { get; init; }

    public required double DeliveredFps { get; init; }

    public required double ElapsedSeconds { get; init; }

    /// <summary>Camera rate; null outside the camera scenario.</summary>
    public double? CameraFps { get; init; }

    /// <summary>Deadline misses in percent of processed frames; null outside the camera scenario.</summary>
    public double? DeadlineMissPercent { get; init; }

    public required double MeanMs { get; init; }

    public required double StdDevMs { get; init; }

    public required double P50Ms { get; init; }

    public required double P90Ms { get; init; }

    public required double P99Ms { get; init; }

    public required double P999Ms { get; init; }

    public required double CovPercent { get; init; }

    public double? EarlyStopP90Ms { get; init; }

    public double? EarlyStopP99Ms { get; init; }

    /// <summary>Median share of the frame total per stage (wait, to-tensor, preprocess, inference, postprocess).</summary>
    public StageShares? StageShares { get; init; }

    /// <summary>CoV (%) of the frames' processing time, waits left out: what the unstable rule reads.</summary>
    public double? ProcessingCovPercent { get; init; }

    /// <summary>Device-staged paths (GPU, device-bound I/O): the inference stage's split; null elsewhere.</summary>
    public DeviceTimeSplit? DeviceSplit { get; init; }

    public required bool Valid { get; init; }

    public string? InvalidReason { get; init; }

    /// <summary>The frame trace, relative to the run folder (<c>frames/….csv</c>).</summary>
    public required string TraceFile { get; init; }

    /// <summary>The Stopwatch timestamp of the trace's first capture (its capture_ms 0): places telemetry on its axis.</summary>
    public long TraceOriginTicks { get; init; }

    /// <summary>The record of a finished run and the trace file it was written to.</summary>
    public static ScenarioRecord From(ScenarioResult result, string traceFile)
    {
        ArgumentNullException.ThrowIfNull(result);
        LatencyStatistics latency = result.Latency;
        bool camera = result.Scenario == EdgeBench.Pipeline.Frames.Scenario.Camera;
        return new ScenarioRecord
        {
            Scenario = result.Scenario.ToName(),
            Frames = result.ProcessedFrames,
            RequiredFrames = result.RequiredFrames,
            DroppedFrames = result.DroppedFrames,
            DroppedPercent = result.DroppedPercent,
            DeliveredFps = result.DeliveredFps,
            ElapsedSeconds = result.ElapsedSeconds,
            CameraFps = camera ? result.CameraFps : null,
            DeadlineMissPercent = camera ? result.DeadlineMissPercent : null,
            MeanMs = latency.Mean,
            StdDevMs = latency.StandardDeviation,
            P50Ms = latency.P50,
            P90Ms = latency.P90,
            P99Ms = latency.P99,
            P999Ms = latency.P999,
            CovPercent = latency.CoefficientOfVariationPercent,
            EarlyStopP90Ms = result.EarlyStoppingP90.EnoughFrames ? result.EarlyStoppingP90.Latency : null,
            EarlyStopP99Ms = result.EarlyStoppingP99.EnoughFrames ? result.EarlyStoppingP99.Latency : null,
            StageShares = latency.MedianStageShares,
            Valid = result.IsValid,
            InvalidReason = result.InvalidReason,
            TraceFile = traceFile,
        };
    }
}

/// <summary>
/// The scenario cases of the current run: the benchmark instance records what its run measured under the case's key
/// (<see cref="EdgeBenchmark.MethodKey"/>), the edgebench.csv row reads it back (<see cref="CaseIdentity.MethodKey"/>).
/// Kept in memory and appended to <c>scenarios.jsonl</c> in the run folder, as <see cref="CaseOutcomes"/> does, so
/// an out-of-process toolchain's child can record too; the frame traces go to <c>frames/</c> as each case ends, so a
/// run that stops later keeps them.
/// </summary>
internal static class ScenarioRecords
{
    public const string FileName = "scenarios.jsonl";

    public const string TraceFolder = "frames";

    private static readonly RunFolderRecords<ScenarioRecord> s_records = new(FileName);

    /// <summary>Forgets the records of earlier runs in this process.</summary>
    public static void Clear() => s_records.Clear();

    /// <summary>
    /// Writes <paramref name="trace"/> to the run folder (<c>frames/&lt;case&gt;.csv</c>; a temporary folder when no
    /// run folder is set, e.g. a benchmark started by a test harness) and records the case.
    /// </summary>
    public static ScenarioRecord Save(string key, string caseFileName, ScenarioResult result, FrameTrace trace)
    {
        string? runDirectory = Environment.GetEnvironmentVariable(RunSettings.RunDirectoryVariable);
        string root = runDirectory is { Length: > 0 } && Directory.Exists(runDirectory) ? runDirectory : Path.Combine(Path.GetTempPath(), "edgebench-frames");
        string relative = Path.Combine(TraceFolder, caseFileName + ".csv");
        FrameTraceCsv.Write(trace, Path.Combine(root, relative));
        ScenarioRecord record = ScenarioRecord.From(result, relative.Replace('\\', '/')) with
        {
            TraceOriginTicks = trace.OriginTicks,
            DeviceSplit = DeviceTimeSplit.FromTrace(trace),
            ProcessingCovPercent = LatencyStatistics.ProcessingCoefficientOfVariationPercent(trace) is double cov && double.IsFinite(cov) ? cov : null,
        };
        s_records.Record(key, record);
        return record;
    }

    /// <summary>The record of <paramref name="key"/>, from memory or the run folder's file; null when the case did not finish.</summary>
    public static ScenarioRecord? For(string key, string? runDirectory) => s_records.For(key, runDirectory);

    /// <summary>A file name for a case: its class, method and parameters (by name), made safe as a file name.</summary>
    public static string CaseFileName(string type, string method, IEnumerable<(string Name, string Value)> parameters)
    {
        var name = new StringBuilder(type).Append('.').Append(method);
        foreach ((string parameter, string value) in parameters.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            name.Append('_').Append(parameter).Append('-').Append(value);
        }

        return SafeFileName(name.ToString());
    }

    /// <summary>
    /// <paramref name="name"/> with every character but [A-Za-z0-9._-] replaced by '-': the one rule for the per-case
    /// files of a run folder (frame traces, telemetry samples), so names survive every file system and shell.
    /// </summary>
    public static string SafeFileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Create(name.Length, name, static (span, source) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                char c = source[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-';
            }
        });
    }
}
