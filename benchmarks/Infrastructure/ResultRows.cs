using BenchmarkDotNet.Mathematics;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeBench.Pipeline.Frames;
using EdgeBench.Reporting.Results;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>Turns BenchmarkDotNet's reports into edgebench.csv rows.</summary>
internal static class ResultRows
{
    private const double NanosecondsPerMillisecond = 1e6;

    /// <summary>
    /// The row of one case. Statistics are BenchmarkDotNet's over the actual workload iterations (per-iteration means
    /// of one operation: one call, i.e. one batch). <paramref name="baseline"/> (same class, category and parameters)
    /// gives the ratio.
    /// </summary>
    public static ResultRow From(BenchmarkCase benchmarkCase, BenchmarkReport? report, BenchmarkReport? baseline, string? runDirectory)
    {
        CaseIdentity id = CaseIdentity.Of(benchmarkCase);
        (string backend, string ep) = BackendNames.Split(id.Backend);
        var row = new ResultRow
        {
            Benchmark = id.FullName,
            Model = id.Model,
            Stage = id.StageRow,
            Precision = id.Precision,
            Batch = id.Batch,
            Backend = backend,
            Ep = ep,
        };

        Statistics? stats = report?.ResultStatistics;
        if (report is null || !report.Success || stats is null)
        {
            CaseOutcomes.Outcome outcome = CaseOutcomes.For(id.SetupKey, runDirectory)
                ?? new CaseOutcomes.Outcome(CaseStatus.Failed, RunLogger.FirstErrorOf(benchmarkCase) is { } error
                    ? $"{error} (the case produced no measurements; {RunConsole.LogFileName} has the whole error)"
                    : $"the case produced no measurements (BenchmarkDotNet's log, {RunConsole.LogFileName} or the console, says why)");
            return row with { Status = outcome.Status, Reason = outcome.Reason };
        }

        if (id.IsColdStart)
        {
            return ColdStartRow(row, id, runDirectory);
        }

        row = WithMemory(row, id, runDirectory);
        if (id.Scenario is not null)
        {
            return ScenarioRow(row, id, benchmarkCase, report, runDirectory);
        }

        double mean = stats.Mean / NanosecondsPerMillisecond;
        var ci = stats.ConfidenceInterval; // Perfolizer type; BenchmarkDotNet reports it at 99.9%
        double? bytesPerSecond = MovedBytes(benchmarkCase) is long bytes ? bytes / (stats.Mean / 1e9) : null;
        // Telemetry: power_w … throttled from the diagnoser's metrics; source, samples and why in notes.
        row = Telemetry.TelemetryRowValues.Apply(row, benchmarkCase, report);
        row = row with
        {
            MeanMs = mean,
            MedianMs = stats.Median / NanosecondsPerMillisecond,
            P90Ms = stats.Percentiles.P90 / NanosecondsPerMillisecond,
            P99Ms = stats.Percentiles.Percentile(99) / NanosecondsPerMillisecond,
            StdDevMs = stats.StandardDeviation / NanosecondsPerMillisecond,
            Ci999LowerMs = ci.Lower / NanosecondsPerMillisecond,
            Ci999UpperMs = ci.Upper / NanosecondsPerMillisecond,
            Iterations = stats.N,
            FrameMs = id.IsFrameStage && id.Batch > 0 ? mean / id.Batch : null,
            Fps = id.IsFrameStage && id.Batch > 0 && mean > 0 ? id.Batch * 1000.0 / mean : null,
            AllocatedBytesPerOp = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase),
            MegabytesPerSecond = bytesPerSecond / 1e6,
            RatioToBaseline = baseline?.ResultStatistics is { Mean: > 0 } b && baseline != report ? stats.Mean / b.Mean : null,
        };
        // achieved_gflops, peak_pct: inference rows only, from the model's graph and the run's environment.json.
        return RooflineValues.Apply(row, id, runDirectory);
    }

    /// <summary>
    /// The row of a scenario case: every time column comes from its frames (<see cref="ScenarioRecords"/>), none from
    /// BenchmarkDotNet's iterations, which for a scenario are one call that ran the whole window. The iteration columns
    /// (mean/median/p90/p99/stddev/CI/iterations, frame_ms) stay empty so that no column changes meaning; fps is the
    /// delivered frame rate and energy_mj is average power over the window divided by the frames delivered.
    /// </summary>
    private static ResultRow ScenarioRow(ResultRow row, CaseIdentity id, BenchmarkCase benchmarkCase, BenchmarkReport report, string? runDirectory)
    {
        ScenarioRecord? record = ScenarioRecords.For(id.MethodKey, runDirectory);
        if (record is null)
        {
            return row with { Status = CaseStatus.Failed, Reason = "the scenario ran but recorded no frames (see the console log)" };
        }

        row = Telemetry.TelemetryRowValues.Apply(row, benchmarkCase, report);
        Telemetry.TelemetryCaseResult? telemetry = Telemetry.TelemetryCaseResults.For(benchmarkCase);
        (string Name, double? Start, double? End) clock = ClockOf(telemetry?.Summary, id);
        var diagnosis = new DiagnosisInput
        {
            StageShares = record.StageShares,
            FrameTimeCovPercent = record.ProcessingCovPercent ?? record.CovPercent,
            CameraDroppedPercent = record.CameraFps is null ? null : record.DroppedPercent,
            TransferMilliseconds = record.DeviceSplit?.TransferMilliseconds,
            DeviceComputeMilliseconds = record.DeviceSplit?.DeviceComputeMilliseconds,
            HostEnqueueMilliseconds = record.DeviceSplit?.HostEnqueueMilliseconds,
            DeviceMilliseconds = record.DeviceSplit?.DeviceComputeMilliseconds,
            Telemetry = telemetry is null
                ? null
                : new TelemetryObservation(telemetry.SampleCount, clock.Name, clock.Start, clock.End,
                    telemetry.Summary?.Throttled == true ? $"{telemetry.Source} reported throttling" : null),
        };
        string findings = Diagnosis.Summarize(diagnosis);
        if (record.CameraFps is not null && RunSettings.FromEnvironment().Sustained is not null && runDirectory is not null)
        {
            findings = string.Join("; ", new[] { findings, SustainedOutput.Write(runDirectory, record, telemetry) }.Where(f => f.Length > 0));
        }

        string diagnosisText = record.Valid ? findings : string.Join("; ", new[] { record.InvalidReason, findings }.Where(f => !string.IsNullOrEmpty(f)));
        return row with
        {
            Scenario = record.Scenario,
            Frames = record.Frames,
            Fps = record.DeliveredFps,
            EnergyMj = row.PowerW is double watts && record.DeliveredFps > 0 ? watts * 1000.0 / record.DeliveredFps : null,
            FrameP50Ms = record.P50Ms,
            FrameP90Ms = record.P90Ms,
            FrameP99Ms = record.P99Ms,
            FrameP999Ms = record.P999Ms,
            EarlyStopP90Ms = record.EarlyStopP90Ms,
            EarlyStopP99Ms = record.EarlyStopP99Ms,
            DroppedPct = record.CameraFps is null ? null : record.DroppedPercent,
            CameraFps = record.CameraFps,
            DeadlineMissPct = record.DeadlineMissPercent,
            CovPct = record.CovPercent,
            Verdict = record.Valid ? "valid" : "invalid",
            Diagnosis = diagnosisText,
            AllocatedBytesPerOp = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase),
            FrameTrace = record.TraceFile,
        };
    }

    /// <summary>The case's memory columns (<see cref="CaseMemory"/>); why the peak is missing, in notes.</summary>
    private static ResultRow WithMemory(ResultRow row, CaseIdentity id, string? runDirectory)
    {
        if (CaseMemory.For(id.MethodKey, runDirectory) is not { } memory)
        {
            return row;
        }

        string notes = memory.Note is null ? row.Notes
            : row.Notes.Length == 0 ? "no peak_rss_mb: " + memory.Note
            : row.Notes + "; no peak_rss_mb: " + memory.Note;
        return row with { PeakRssMb = memory.PeakRssMib, ModelRssMb = memory.ModelRssMib, ModelFileMb = memory.ModelFileMib, Notes = notes };
    }

    /// <summary>
    /// The row of a cold-start case, from the launches of its configuration (<see cref="ColdStartRecords"/>): median_ms
    /// the median over launches, max_ms the slowest, mean_ms, stddev_ms, iterations the launches; the memory columns
    /// are the child processes' (the largest VmHWM, the median model RSS). BenchmarkDotNet's own statistics of the
    /// invocation that launched them say nothing of a cold start and are left out.
    /// </summary>
    private static ResultRow ColdStartRow(ResultRow row, CaseIdentity id, string? runDirectory)
    {
        string stage = id.StageRow[(Categories.ColdStart.Length + 1)..];
        if (ColdStartRecords.For(id.SetupKey, runDirectory) is not { } record || !record.Stages.TryGetValue(stage, out ColdStartStatistic? statistic))
        {
            return row with { Status = CaseStatus.Failed, Reason = "the cold-start case ran but recorded no launches (see the console log)" };
        }

        return row with
        {
            MeanMs = statistic.MeanMs,
            MedianMs = statistic.MedianMs,
            MaxMs = statistic.MaxMs,
            StdDevMs = statistic.StdDevMs,
            Iterations = statistic.Launches,
            PeakRssMb = record.PeakRssMib,
            ModelRssMb = record.ModelRssMib,
            ModelFileMb = record.ModelFileMib,
            Notes = record.Notes,
        };
    }

    /// <summary>
    /// The window's clock trend where it belongs to the device the case runs on: a GPU clock (nvidia-smi's SM,
    /// tegrastats' GR3D) says nothing about a CPU case, whose GPU idles down after the GPU case before it; a CPU clock
    /// says nothing about a GPU case.
    /// </summary>
    private static (string Name, double? Start, double? End) ClockOf(EdgeBench.Telemetry.TelemetryWindowSummary? summary, CaseIdentity id)
    {
        bool gpuClock = summary?.ClockName is "SM" or "GPU";
        // Every backend value names its device last: ort-cpu, torchsharp-cpu; the rest run on the GPU.
        bool gpuCase = id.Backend.Length > 0 && !id.Backend.EndsWith("-cpu", StringComparison.Ordinal);
        return summary is null || summary.ClockName is null || gpuClock != gpuCase
            ? (string.Empty, null, null)
            : (summary.ClockName, summary.ClockStartMhz, summary.ClockEndMhz);
    }

    /// <summary>Bytes a preprocess case writes per call (the model input), for the MB/s column; null elsewhere.</summary>
    public static long? MovedBytes(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.Categories.Contains(Categories.Preprocess)
            ? ThroughputInfo.InputBytes(benchmarkCase)
            : null;
}
