using System.Text.Json;

namespace EdgeBench.Reporting.Runs;

/// <summary>One benchmark case's raw per-iteration samples from BenchmarkDotNet's full JSON.</summary>
/// <param name="Benchmark">The full name in edgebench.csv's form (see <see cref="RawSamples.NormalizeName"/>).</param>
/// <param name="NanosecondsPerOp">Per-iteration time per operation of the measured (Workload/Result) iterations.</param>
/// <param name="File">The JSON file the samples came from, for messages.</param>
public sealed record CaseSamples(string Benchmark, IReadOnlyList<double> NanosecondsPerOp, string File);

/// <summary>
/// Reads <c>results/*-report-full.json</c>: every case's measured iterations, keyed by full benchmark name.
/// </summary>
public static class RawSamples
{
    public const string FilePattern = "*-report-full.json";

    /// <summary>
    /// BenchmarkDotNet's JSON quotes string parameters (<c>Model: "ssd300"</c>); edgebench.csv does not
    /// (<c>Model: ssd300</c>). Dropping the quotes gives one key for both; EdgeBench's parameter values never contain
    /// a quote of their own.
    /// </summary>
    public static string NormalizeName(string fullName) => fullName.Replace("\"", string.Empty, StringComparison.Ordinal);

    /// <summary>
    /// Reads every full JSON file of a run's <c>results/</c> folder. Missing files, malformed JSON and a case named
    /// twice are <see cref="InvalidDataException"/>s naming the file (diffs key on the name, so it must be unique).
    /// </summary>
    public static IReadOnlyDictionary<string, CaseSamples> ReadRun(string runDirectory)
    {
        string resultsDirectory = Path.Combine(runDirectory, "results");
        string[] files = Directory.Exists(resultsDirectory)
            ? Directory.GetFiles(resultsDirectory, FilePattern).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
        {
            throw new InvalidDataException(
                $"{Path.Combine(resultsDirectory, FilePattern)}: file not found; a run folder holds BenchmarkDotNet's full JSON with the raw samples (JsonExporter.Full).");
        }

        var cases = new Dictionary<string, CaseSamples>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            foreach (CaseSamples samples in ReadFile(file))
            {
                if (cases.TryGetValue(samples.Benchmark, out CaseSamples? first))
                {
                    throw new InvalidDataException(first.File == file
                        ? $"{file}: case '{samples.Benchmark}' appears twice (a run of more than one job, e.g. --job dry beside the edge job?); benchmark names must be unique, so measure one job per run folder."
                        : $"{file}: case '{samples.Benchmark}' also appears in {first.File}; benchmark names must be unique.");
                }

                cases.Add(samples.Benchmark, samples);
            }
        }

        return cases;
    }

    /// <summary>Reads one full JSON file.</summary>
    public static IReadOnlyList<CaseSamples> ReadFile(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); expected BenchmarkDotNet's full report.", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("Benchmarks", out JsonElement benchmarks)
                || benchmarks.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{path}: no 'Benchmarks' array; expected BenchmarkDotNet's full report (JsonExporter.Full).");
            }

            var result = new List<CaseSamples>();
            int index = 0;
            foreach (JsonElement benchmark in benchmarks.EnumerateArray())
            {
                if (!benchmark.TryGetProperty("FullName", out JsonElement fullName) || fullName.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{path}: Benchmarks[{index}] has no FullName.");
                }

                string name = NormalizeName(fullName.GetString()!);
                result.Add(new CaseSamples(name, ReadSamples(benchmark, path, name), path));
                index++;
            }

            return result;
        }
    }

    /// <summary>
    /// The Workload/Result measurements (the actual iterations with the overhead already subtracted, what
    /// BenchmarkDotNet's statistics are computed from) divided by their operation count; a report without
    /// measurements falls back to Statistics.OriginalValues (the same numbers). A case that failed has neither.
    /// </summary>
    private static List<double> ReadSamples(JsonElement benchmark, string path, string name)
    {
        var samples = new List<double>();
        try
        {
            if (benchmark.TryGetProperty("Measurements", out JsonElement measurements) && measurements.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement m in measurements.EnumerateArray())
                {
                    if (m.GetProperty("IterationMode").GetString() == "Workload" && m.GetProperty("IterationStage").GetString() == "Result")
                    {
                        double operations = m.GetProperty("Operations").GetDouble();
                        samples.Add(m.GetProperty("Nanoseconds").GetDouble() / Math.Max(1, operations));
                    }
                }
            }

            if (samples.Count == 0
                && benchmark.TryGetProperty("Statistics", out JsonElement statistics) && statistics.ValueKind == JsonValueKind.Object
                && statistics.TryGetProperty("OriginalValues", out JsonElement values) && values.ValueKind == JsonValueKind.Array)
            {
                samples.AddRange(values.EnumerateArray().Select(v => v.GetDouble()));
            }
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: case '{name}': malformed measurements ({e.Message}).", e);
        }

        return samples;
    }
}
