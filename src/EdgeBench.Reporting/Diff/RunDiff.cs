using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;
using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.SignificanceTesting;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;
using Pragmastat.Metrology;
using EnvironmentInfo = EdgeBench.Reporting.Environment.EnvironmentInfo;

namespace EdgeBench.Reporting.Diff;

/// <summary>What diff concluded about one case.</summary>
public enum DiffVerdict
{
    Slower,
    Faster,
    Unchanged,

    /// <summary>Both ran, but one side has fewer than two raw samples (e.g. a dry run): no test is possible.</summary>
    Inconclusive,

    /// <summary>Only in the new run.</summary>
    Added,

    /// <summary>Only in the base run.</summary>
    Missing,

    /// <summary>Measured in the base run, skipped or failed in the new one: counted as a regression.</summary>
    NowFailing,

    /// <summary>Skipped or failed in the base run, measured in the new one.</summary>
    NowRunning,

    /// <summary>Skipped or failed in both runs.</summary>
    NotRun,
}

/// <summary>One case of a diff. Medians are per operation in nanoseconds; null where a side has no samples.</summary>
public sealed record CaseDiff(string Benchmark, DiffVerdict Verdict, double? BaseMedianNs, double? NewMedianNs,
    int BaseSamples, int NewSamples, string Note)
{
    /// <summary>new median / base median: above 1 is slower.</summary>
    public double? Ratio => BaseMedianNs is double b && NewMedianNs is double n && b > 0 ? n / b : null;
}

/// <summary>One side of a diff: what a run folder says about each case.</summary>
/// <param name="Label">The run id, for the report.</param>
/// <param name="Environment">environment.json.</param>
/// <param name="Samples">Raw samples by full benchmark name.</param>
/// <param name="Rows">edgebench.csv rows (status and reason of each case); empty when the run has no edgebench.csv.</param>
public sealed record DiffInput(string Label, EnvironmentInfo Environment, IReadOnlyDictionary<string, CaseSamples> Samples,
    IReadOnlyList<ResultRow> Rows)
{
    /// <summary>Reads a run folder: environment.json and the full JSON are required, edgebench.csv is read when present.</summary>
    public static DiffInput Read(string runDirectory)
    {
        if (!Directory.Exists(runDirectory))
        {
            throw new InvalidDataException($"{runDirectory}: folder not found; expected a run folder results/<device-id>/<run-id>/.");
        }

        string environmentPath = Path.Combine(runDirectory, EnvironmentInfo.FileName);
        if (!File.Exists(environmentPath))
        {
            throw new InvalidDataException($"{environmentPath}: file not found; diff needs it to check that both runs measured the same setup.");
        }

        EnvironmentInfo environment = EnvironmentInfo.Read(environmentPath);
        IReadOnlyDictionary<string, CaseSamples> samples = RawSamples.ReadRun(runDirectory);
        string csvPath = Path.Combine(runDirectory, ResultsCsv.FileName);
        IReadOnlyList<ResultRow> rows = File.Exists(csvPath) ? ResultsCsv.Read(csvPath) : [];
        string label = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory));
        return new DiffInput(label, environment, samples, rows)
        {
            FrameSamples = ReadFrameTraces(runDirectory, rows),
            LaunchSamples = ColdStartLaunches.Read(runDirectory).ToDictionary(
                p => RawSamples.NormalizeName(p.Key), p => Array.ConvertAll(p.Value, ms => ms * 1e6), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Per-frame latencies (ns) of the cases that recorded a frame trace, by benchmark name: hundreds of samples per
    /// case where BenchmarkDotNet's iterations give six. Only processed frames count (a dropped camera frame has no
    /// latency).
    /// </summary>
    public IReadOnlyDictionary<string, double[]> FrameSamples { get; init; } = new Dictionary<string, double[]>(StringComparer.Ordinal);

    /// <summary>Each cold-start case's launches (ns), by benchmark name (<see cref="ColdStartLaunches"/>).</summary>
    public IReadOnlyDictionary<string, double[]> LaunchSamples { get; init; } = new Dictionary<string, double[]>(StringComparer.Ordinal);

    private static Dictionary<string, double[]> ReadFrameTraces(string runDirectory, IReadOnlyList<ResultRow> rows)
    {
        var traces = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (ResultRow row in rows.Where(r => r.Status == CaseStatus.Ok && r.FrameTrace.Length > 0))
        {
            string path = Path.Combine(runDirectory, row.FrameTrace);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{path}: file not found; edgebench.csv's frame_trace names it for {row.Benchmark}.");
            }

            double[] totals = EdgeBench.Pipeline.Frames.FrameTraceCsv.Read(path).ProcessedTotals();
            traces[RawSamples.NormalizeName(row.Benchmark)] = Array.ConvertAll(totals, ms => ms * 1e6);
        }

        return traces;
    }
}

/// <summary>A field of environment.json that differs between the runs.</summary>
public sealed record EnvironmentMismatch(string Field, string Base, string New);

/// <summary>The whole comparison.</summary>
public sealed record DiffResult(DiffInput Base, DiffInput New, DiffOptions Options, IReadOnlyList<CaseDiff> Cases,
    IReadOnlyList<EnvironmentMismatch> Mismatches)
{
    public IEnumerable<CaseDiff> Where(DiffVerdict verdict) => Cases.Where(c => c.Verdict == verdict);

    /// <summary>A regression: a case measurably slower, or one that stopped running.</summary>
    public bool HasRegression => Cases.Any(c => c.Verdict is DiffVerdict.Slower or DiffVerdict.NowFailing);

    /// <summary>Geometric mean of new/base medians over the cases of <paramref name="verdicts"/> (all tested cases by default).</summary>
    public double? GeometricMean(params DiffVerdict[] verdicts)
    {
        if (verdicts.Length == 0)
        {
            verdicts = [DiffVerdict.Slower, DiffVerdict.Faster, DiffVerdict.Unchanged];
        }

        double[] ratios = Cases.Where(c => verdicts.Contains(c.Verdict) && c.Ratio is > 0).Select(c => c.Ratio!.Value).ToArray();
        return ratios.Length == 0 ? null : Math.Exp(ratios.Average(Math.Log));
    }
}

/// <summary>
/// Compares two runs case by case on their raw per-iteration samples, the way dotnet/performance's
/// ResultsComparer does: a Mann-Whitney based equivalence test against a relative threshold, and again against an
/// absolute noise floor; a case is Slower (Faster) only when both tests say so. Means and mean ratios never decide.
/// </summary>
public static class RunDiff
{
    private static readonly SimpleEquivalenceTest s_test = new(MannWhitneyTest.Instance);

    /// <summary>The environment fields that must match: device, providers, power mode, runtime versions.</summary>
    public static IReadOnlyList<EnvironmentMismatch> CheckEnvironment(EnvironmentInfo a, EnvironmentInfo b)
    {
        (string Field, Func<EnvironmentInfo, string> Value)[] fields =
        [
            ("device_id", e => e.DeviceId),
            ("device_model", e => e.DeviceModel),
            ("onnx_runtime_providers", e => string.Join(",", e.OnnxRuntimeProviders)),
            ("jetson_power_mode", e => e.JetsonPowerMode),
            ("jetson_clocks_locked", e => e.JetsonClocksLocked?.ToString() ?? "unknown"),
            ("jetson_l4t", e => e.JetsonL4t),
            ("dotnet_version", e => e.DotnetVersion),
            ("onnx_runtime_version", e => e.OnnxRuntimeVersion),
        ];
        return fields
            .Where(f => !string.Equals(f.Value(a), f.Value(b), StringComparison.Ordinal))
            .Select(f => new EnvironmentMismatch(f.Field, f.Value(a), f.Value(b)))
            .ToArray();
    }

    public static DiffResult Compare(DiffInput baseRun, DiffInput newRun, DiffOptions options)
    {
        IReadOnlyList<EnvironmentMismatch> mismatches = CheckEnvironment(baseRun.Environment, newRun.Environment);
        Dictionary<string, (string Status, string Reason)> baseStatus = Statuses(baseRun), newStatus = Statuses(newRun);
        var cases = new List<CaseDiff>();
        foreach (string name in baseStatus.Keys.Union(newStatus.Keys).Order(StringComparer.Ordinal))
        {
            // Where both runs traced the case's frames, their per-frame distributions are compared.
            bool perFrame = baseRun.FrameSamples.TryGetValue(name, out double[]? baseFrames) & newRun.FrameSamples.TryGetValue(name, out double[]? newFrames);
            // Where both ran a case's cold starts, their launches are compared.
            bool perLaunch = !perFrame
                & baseRun.LaunchSamples.TryGetValue(name, out double[]? baseLaunches) & newRun.LaunchSamples.TryGetValue(name, out double[]? newLaunches);
            double[] x = perFrame ? baseFrames! : perLaunch ? baseLaunches! : SamplesOf(baseRun, name);
            double[] y = perFrame ? newFrames! : perLaunch ? newLaunches! : SamplesOf(newRun, name);
            double? baseMedian = Median(x), newMedian = Median(y);
            bool inBase = baseStatus.TryGetValue(name, out var b), inNew = newStatus.TryGetValue(name, out var n);
            bool baseOk = inBase && b.Status == CaseStatus.Ok, newOk = inNew && n.Status == CaseStatus.Ok;
            (DiffVerdict verdict, string note) = (inBase, inNew) switch
            {
                (false, _) => (DiffVerdict.Added, newOk ? string.Empty : $"{n.Status}: {n.Reason}"),
                (_, false) => (DiffVerdict.Missing, string.Empty),
                _ when baseOk && !newOk => (DiffVerdict.NowFailing, $"{n.Status}: {n.Reason}"),
                _ when !baseOk && newOk => (DiffVerdict.NowRunning, $"was {b.Status}: {b.Reason}"),
                _ when !baseOk => (DiffVerdict.NotRun, $"{n.Status}: {n.Reason}"),
                _ => (Test(x, y, options), x.Length < 2 || y.Length < 2 ? "fewer than 2 raw samples" : perFrame ? "per frame" : perLaunch ? "per launch" : string.Empty),
            };
            cases.Add(new CaseDiff(name, verdict, baseMedian, newMedian, x.Length, y.Length, note));
        }

        return new DiffResult(baseRun, newRun, options, cases, mismatches);
    }

    /// <summary>
    /// The two-gate test on raw samples (ns per operation). Perfolizer's <see cref="SimpleEquivalenceTest"/> asks
    /// whether <paramref name="y"/> is greater (lesser) than <paramref name="x"/> shifted by the threshold, with one-sided
    /// Mann-Whitney tests (and calls a shift beyond ten thresholds significant outright).
    /// </summary>
    public static DiffVerdict Test(IReadOnlyList<double> x, IReadOnlyList<double> y, DiffOptions options)
    {
        if (x.Count < 2 || y.Count < 2)
        {
            return DiffVerdict.Inconclusive;
        }

        var baseSample = new Sample([.. x]);
        var newSample = new Sample([.. y]);
        var alpha = new SignificanceLevel(options.Alpha);
        ComparisonResult relative = s_test.Perform(newSample, baseSample, new PercentValue(options.ThresholdPercent).ToThreshold(), alpha);
        if (relative is not (ComparisonResult.Greater or ComparisonResult.Lesser))
        {
            return relative == ComparisonResult.Unknown ? DiffVerdict.Inconclusive : DiffVerdict.Unchanged;
        }

        ComparisonResult noise = s_test.Perform(newSample, baseSample, new NumberValue(options.NoiseNanoseconds).ToThreshold(), alpha);
        return (relative, noise) switch
        {
            (ComparisonResult.Greater, ComparisonResult.Greater) => DiffVerdict.Slower,
            (ComparisonResult.Lesser, ComparisonResult.Lesser) => DiffVerdict.Faster,
            _ => DiffVerdict.Unchanged,
        };
    }

    /// <summary>Status by case: edgebench.csv's where present, else ok for a case with samples in the full JSON.</summary>
    private static Dictionary<string, (string Status, string Reason)> Statuses(DiffInput run)
    {
        var statuses = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach ((string name, CaseSamples samples) in run.Samples)
        {
            statuses[name] = samples.NanosecondsPerOp.Count > 0 ? (CaseStatus.Ok, string.Empty) : (CaseStatus.Failed, "no measurements in " + Path.GetFileName(samples.File));
        }

        foreach (ResultRow row in run.Rows)
        {
            string name = RawSamples.NormalizeName(row.Benchmark);
            if (row.Status != CaseStatus.Ok || !statuses.ContainsKey(name))
            {
                statuses[name] = (row.Status, row.Reason);
            }
        }

        return statuses;
    }

    private static double[] SamplesOf(DiffInput run, string name) =>
        run.Samples.TryGetValue(name, out CaseSamples? s) ? [.. s.NanosecondsPerOp] : [];

    internal static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
