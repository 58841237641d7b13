using System.Globalization;
using System.Text;
using BenchmarkDotNet.Running;
using EdgeBench.Benchmarks.Infrastructure;
using EdgeBench.Telemetry;

namespace EdgeBench.Benchmarks.Telemetry;

/// <summary>
/// One small CSV per case under <c>telemetry/</c> of the run folder: <c>#</c> header lines saying what the window
/// was and how the tool ended, then one row per reading in the common shape (time since the sampler started, power
/// mW, GPU %, CPU %, RAM MB, max °C, throttled), then one column per channel a source reads beyond those (the Pi 5
/// PMIC's rails, named as the tool prints them), in the order they first appear. Results are committed to git, so rows are capped
/// (<see cref="TelemetryDiagnoserConfig.MaxRawReadings"/>) and numbers are short.
/// </summary>
internal static class RawSamplesFile
{
    public const string FolderName = "telemetry";

    public const string Header = "elapsed_s,power_mw,gpu_util_pct,cpu_util_pct,ram_mb,max_temp_c,throttled";

    /// <summary>Writes the file; returns its path relative to the run folder, or an error message (never throws).</summary>
    public static (string? RelativePath, string? Error) TryWrite(
        TelemetryDiagnoserConfig config, BenchmarkCase benchmarkCase, IReadOnlyList<TelemetryReading> readings, TelemetryCaseResult result)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(result);
        if (config.RunDirectory is null)
        {
            return (null, null);
        }

        string relative = Path.Combine(FolderName, FileName(benchmarkCase));
        try
        {
            string path = Path.Combine(config.RunDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Format(CaseIdentity.NameOf(benchmarkCase), readings, result, config.MaxRawReadings), new UTF8Encoding(false));
            return (relative, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"raw samples not written ({e.Message})");
        }
    }

    /// <summary><c>Type.Method_param1_param2….csv</c> with anything unsafe in a file name replaced by '-'.</summary>
    public static string FileName(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        IEnumerable<string> parts = benchmarkCase.Parameters.Items.Select(p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? string.Empty);
        string name = string.Join('_', [$"{benchmarkCase.Descriptor.Type.Name}.{benchmarkCase.Descriptor.WorkloadMethod.Name}", .. parts]);
        return ScenarioRecords.SafeFileName(name) + ".csv";
    }

    /// <summary>The file's text (pure, for tests).</summary>
    public static string Format(string caseName, IReadOnlyList<TelemetryReading> readings, TelemetryCaseResult result, int maxReadings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        CultureInfo inv = CultureInfo.InvariantCulture;
        text.Append("# case: ").Append(caseName).Append('\n');
        text.Append("# source: ").Append(result.Source).Append('\n');
        text.Append("# outcome: ").Append(result.Outcome?.ToString() ?? "none").Append('\n');
        if (result.Summary is { } s)
        {
            text.Append(inv, $"# window_s: {s.WindowTime.TotalSeconds:0.#######}, operations: {s.Operations}, samples: {s.SampleCount}\n");
        }

        if (result.Reason is { } reason)
        {
            text.Append("# reason: ").Append(reason.ReplaceLineEndings(" ")).Append('\n');
        }

        TelemetryReading[] kept = [.. readings.Take(maxReadings)];
        string[] channels = [.. kept.SelectMany(r => r.Channels ?? []).Select(c => c.Name).Distinct(StringComparer.Ordinal)];
        text.Append(Header);
        foreach (string channel in channels)
        {
            text.Append(',').Append(channel);
        }

        text.Append('\n');
        foreach (TelemetryReading r in kept)
        {
            text.Append(inv, $"{r.Elapsed.TotalSeconds:0.000},{r.PowerMw:0.#},{r.GpuUtilPct:0.#},{r.CpuUtilPct:0.#},{r.RamUsedMb:0.#},{r.MaxTemperatureC:0.###},");
            text.Append(r.Throttled switch { true => "1", false => "0", null => "" });
            foreach (string channel in channels)
            {
                // The value as the source read it (round-trip), not rounded: a rail's few mA are what the sum is made of.
                text.Append(',');
                if (r.Channels?.FirstOrDefault(c => c.Name == channel) is { Name: not null } found)
                {
                    text.Append(found.Value.ToString("R", inv));
                }
            }

            text.Append('\n');
        }

        if (readings.Count > maxReadings)
        {
            text.Append(inv, $"# {readings.Count - maxReadings} more readings left out (cap {maxReadings})\n");
        }

        return text.ToString();
    }
}
