using System.Diagnostics;
using System.Globalization;
using EdgeBench.Benchmarks.Telemetry;
using EdgeBench.Pipeline.Frames;
using EdgeBench.Reporting.Charts;
using EdgeBench.Telemetry;

namespace EdgeBench.Benchmarks.Infrastructure;

/// <summary>
/// What a sustained camera case (--sustained) leaves beside its frame trace: <c>timeline/&lt;case&gt;.csv</c> (one row
/// per second: FPS, p50/p99, drops, deadline misses, power, temperature, utilisation, throttling) and its chart, from
/// the trace and the telemetry readings of the same window placed on the trace's clock.
/// </summary>
internal static class SustainedOutput
{
    public const string FolderName = "timeline";

    /// <summary>Writes the timeline files; returns the diagnosis finding (thermal drop, where the files are).</summary>
    public static string Write(string runDirectory, ScenarioRecord record, TelemetryCaseResult? telemetry)
    {
        ArgumentNullException.ThrowIfNull(record);
        FrameTraceSamples frames = FrameTraceCsv.Read(Path.Combine(runDirectory, record.TraceFile));
        TimelineReading[] readings = telemetry is null || telemetry.StartTimestamp == 0
            ? []
            : telemetry.Readings.Select(r => OnTraceAxis(r, telemetry.StartTimestamp, record.TraceOriginTicks)).ToArray();
        IReadOnlyList<TimelineSecond> timeline = SustainedTimeline.Build(frames, record.CameraFps, readings);
        string name = Path.GetFileNameWithoutExtension(record.TraceFile);
        string folder = Path.Combine(runDirectory, FolderName);
        Directory.CreateDirectory(folder);
        string csv = Path.Combine(folder, name + ".csv");
        File.WriteAllText(csv + ".tmp", SustainedTimeline.WriteCsv(timeline));
        File.Move(csv + ".tmp", csv, overwrite: true);
        ChartRenderer.Save(TimelineChart.Create($"{record.Scenario} at {record.CameraFps:0.#} FPS, {record.ElapsedSeconds:0} s", timeline), Path.Combine(folder, name));
        double? drop = SustainedTimeline.ThermalDrop(timeline);
        return string.Create(CultureInfo.InvariantCulture,
            $"sustained {record.ElapsedSeconds:0} s: last-minute FPS {(drop is double d ? d.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a (under 3 s)")} the first minute's; timeline {FolderName}/{name}.csv");
    }

    private static TimelineReading OnTraceAxis(TelemetryReading reading, long samplerStart, long traceOrigin)
    {
        double seconds = (samplerStart - traceOrigin) / (double)Stopwatch.Frequency + reading.Elapsed.TotalSeconds;
        return new TimelineReading(seconds, reading.PowerMw / 1000.0, reading.MaxTemperatureC, reading.GpuUtilPct, reading.CpuUtilPct, reading.Throttled, reading.ClockMhz);
    }
}
