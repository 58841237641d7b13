using System.Globalization;
using System.Text;
using EdgeBench.Core;
using EdgeBench.Reporting.Environment;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Tables;

namespace EdgeBench.Reporting.Summaries;

/// <summary>What the end screen is made from: the run's rows and where its files are.</summary>
public sealed record RunSummaryInput
{
    public required IReadOnlyList<ResultRow> Rows { get; init; }

    /// <summary>The run folder, as the user should see it (the screen names it once).</summary>
    public required string RunDirectory { get; init; }

    public EnvironmentInfo? Environment { get; init; }

    /// <summary>Wall time of the run, where known.</summary>
    public TimeSpan? Elapsed { get; init; }

    /// <summary>The run was stopped by Ctrl+C or SIGTERM: what is shown is what ran.</summary>
    public bool Interrupted { get; init; }

    /// <summary>
    /// The backend as the user names it (<c>--backend ort-cpu</c>) from edgebench.csv's engine and provider columns;
    /// the default shows both columns.
    /// </summary>
    public Func<string, string, string> BackendName { get; init; } = (engine, ep) => $"{engine}/{ep}";

    /// <summary>Files and folders in the run folder worth opening, each with what it holds, in the order shown.</summary>
    public IReadOnlyList<(string Name, string Holds)> Files { get; init; } = [];
}

/// <summary>One part of the end screen: a title, then a table or lines.</summary>
public sealed record SummarySection(string Title, ReportTable? Table, IReadOnlyList<string> Lines);

/// <summary>
/// The answers a person ran the suite for, on one screen: per model the fastest end-to-end configuration with its FPS,
/// frame time, where the frame's time goes and power; the frame-level scenarios with their verdicts; skipped cases by
/// reason; failed cases with their first error line; where the files are. The console gets <see cref="ToText"/>, the
/// run folder's summary.md <see cref="ToMarkdown"/>: the same content.
/// </summary>
/// <remarks>
/// The default suite's screen stays within about 40 lines: one row per model and per scenario case, one line per skip
/// reason, failures capped at <see cref="MaxFailuresShown"/>.
/// </remarks>
public sealed class RunSummary
{
    public const string FileName = "summary.md";

    /// <summary>Failed cases listed by name; the rest are counted (edgebench.csv has every one).</summary>
    public const int MaxFailuresShown = 10;

    private const string Absent = "-";

    private const string ColdStartPrefix = "cold-start-";

    private static readonly string[] s_splitStages = ["to-tensor", "preprocess", "inference", "postprocess"];

    private RunSummary(string headline, IReadOnlyList<SummarySection> sections)
    {
        Headline = headline;
        Sections = sections;
    }

    public string Headline { get; }

    public IReadOnlyList<SummarySection> Sections { get; }

    public static RunSummary Build(RunSummaryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        IReadOnlyList<ResultRow> rows = input.Rows;
        var sections = new List<SummarySection>();
        if (BestPerModel(rows, input.BackendName) is { } best)
        {
            sections.Add(best);
        }

        if (Scenarios(rows, input.BackendName) is { } scenarios)
        {
            sections.Add(scenarios);
        }

        if (ColdStarts(rows, input.BackendName) is { } coldStarts)
        {
            sections.Add(coldStarts);
        }

        if (SkippedByReason(rows) is { } skipped)
        {
            sections.Add(skipped);
        }

        if (Failed(rows) is { } failed)
        {
            sections.Add(failed);
        }

        IEnumerable<string> footage = input.Environment is { Footage.Length: > 0 } environment ? [$"frames from: {environment.Footage}"] : [];
        sections.Add(new SummarySection($"Files in {input.RunDirectory}", null,
            footage.Concat(input.Files.Select(f => $"{f.Name}: {f.Holds}")).ToArray()));
        return new RunSummary(HeadlineOf(input), sections);
    }

    /// <summary>Plain text for a console <paramref name="width"/> characters wide: no line is longer.</summary>
    public string ToText(int width)
    {
        var text = new StringBuilder();
        text.AppendLine(Fit(Headline, width));
        foreach (SummarySection section in Sections)
        {
            text.AppendLine();
            text.AppendLine(Fit(section.Title, width));
            if (section.Table is { } table)
            {
                foreach (string line in AlignedLines(table))
                {
                    text.AppendLine(Fit("  " + line, width));
                }
            }

            foreach (string line in section.Lines)
            {
                text.AppendLine(Fit("  " + line, width));
            }
        }

        return text.ToString();
    }

    /// <summary>Markdown for a pull request: the same sections, tables as tables.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("# ").Append(Headline).Append('\n');
        foreach (SummarySection section in Sections)
        {
            text.Append("\n## ").Append(section.Title).Append("\n\n");
            if (section.Table is { } table)
            {
                text.Append(table.ToMarkdown());
            }

            foreach (string line in section.Lines)
            {
                text.Append("- ").Append(line.TrimStart().Replace("|", "\\|", StringComparison.Ordinal)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Skip reasons grouped: the same reason for different model files counts once (the file path is dropped).</summary>
    public static IReadOnlyList<(string Reason, int Count)> GroupSkipReasons(IEnumerable<ResultRow> rows) =>
        rows.Where(r => r.Status == CaseStatus.Skipped)
            .GroupBy(r => WithoutLeadingPath(r.Reason), StringComparer.Ordinal)
            .Select(g => (Reason: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Reason, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// A reason as the code raising it words it, without the file it is about: "/x/models/yolov8n-fp32.onnx: no
    /// TorchSharp module for model 'yolov8n'" and the fp16 file's twin are one reason.
    /// </summary>
    internal static string WithoutLeadingPath(string reason)
    {
        int colon = reason.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0)
        {
            return reason;
        }

        string head = reason[..colon];
        bool isPath = !head.Contains(' ', StringComparison.Ordinal) && (head.Contains('/', StringComparison.Ordinal) || head.Contains('\\', StringComparison.Ordinal));
        return isPath ? reason[(colon + 2)..] : reason;
    }

    private static string HeadlineOf(RunSummaryInput input)
    {
        IReadOnlyList<ResultRow> rows = input.Rows;
        var headline = new StringBuilder("EdgeBench");
        if (input.Environment is { } environment)
        {
            headline.Append(CultureInfo.InvariantCulture, $" on {environment.DeviceId} ({Machine(environment)})");
        }

        headline.Append(CultureInfo.InvariantCulture,
            $": {rows.Count(r => r.Status == CaseStatus.Ok)} ok, {rows.Count(r => r.Status == CaseStatus.Skipped)} skipped, {rows.Count(r => r.Status == CaseStatus.Failed)} failed");
        if (input.Elapsed is { } elapsed)
        {
            headline.Append(" in ").Append(Duration(elapsed));
        }

        if (input.Interrupted)
        {
            headline.Append(" (interrupted: the cases that had not run are skipped)");
        }

        return headline.ToString();
    }

    private static string Machine(EnvironmentInfo environment)
    {
        var parts = new List<string>();
        if (environment.CpuModel.Length > 0)
        {
            parts.Add(environment.CpuModel.Trim());
        }

        if (environment.LogicalCores > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{environment.LogicalCores} cores"));
        }

        if (environment.Gpu != EnvironmentInfo.Absent && environment.Gpu.Length > 0)
        {
            parts.Add(environment.Gpu);
        }

        return string.Join(", ", parts);
    }

    /// <summary>Per model: the end-to-end row with the highest FPS, and what that configuration's frame is made of.</summary>
    private static SummarySection? BestPerModel(IReadOnlyList<ResultRow> rows, Func<string, string, string> backendName)
    {
        ResultRow[] candidates = rows.Where(EndToEndRows.CompetesForBest).ToArray();
        if (candidates.Length == 0)
        {
            return null;
        }

        var cells = new List<IReadOnlyList<string>>();
        foreach (IGrouping<string, ResultRow> model in candidates.GroupBy(r => r.Model, StringComparer.Ordinal))
        {
            ResultRow best = model.MaxBy(r => r.Fps!.Value)!;
            double? fpsPerWatt = best.PowerW is > 0 ? best.Fps / best.PowerW : null;
            double? fp32Fps = model.Where(r => r.Precision == "fp32").Select(r => r.Fps).Max();
            double? fp16Ratio = model.Where(r => r.Precision == "fp16").Select(r => r.Fps).Max() / fp32Fps;
            double? int8Ratio = model.Where(r => r.Precision == "int8").Select(r => r.Fps).Max() / fp32Fps;
            cells.Add([
                best.Model, Configuration(best, backendName), Cells.Number(best.Fps, Absent), Cells.Number(1000 / best.Fps, Absent),
                Split(rows, best), Cells.Number(best.PowerW, Absent), Cells.Number(fpsPerWatt, Absent),
                fp16Ratio is double r ? Cells.Fixed(r, 2) + "x" : Absent,
                int8Ratio is double q ? Cells.Fixed(q, 2) + "x" : Absent,
            ]);
        }

        string[] headers = ["Model", "Best end to end", "FPS", "ms/frame", "tensor/pre/infer/post %", "Power W", "FPS/W", "fp16 vs fp32", "int8 vs fp32"];
        return new SummarySection(
            "Fastest end to end per model (highest FPS of any end-to-end case, ms/frame = 1000/FPS; the % split: its configuration's four stage cases, for int8 its inference beside fp32's host stages, which int8 shares)",
            WithoutEmptyColumns(headers, cells), []);
    }

    /// <summary>The scenario cases: per-frame latency, drops and the verdict with its diagnosis.</summary>
    private static SummarySection? Scenarios(IReadOnlyList<ResultRow> rows, Func<string, string, string> backendName)
    {
        ResultRow[] scenarios = rows.Where(r => r.Status == CaseStatus.Ok && r.Scenario.Length > 0 && r.Model.Length > 0).ToArray();
        if (scenarios.Length == 0)
        {
            return null;
        }

        // One configuration for every scenario case (the default suite: fp32 b1 ort-cpu) goes into the title, so the
        // verdict column starts early enough for an 80-column terminal.
        string[] configurations = scenarios.Select(r => Configuration(r, backendName, withVariant: false)).Distinct().ToArray();
        bool shared = configurations.Length == 1;
        string[] headers = ["Model", "Scenario", "Config", "Frames", "FPS", "p50 ms", "p99 ms", "Drop %", "Verdict and diagnosis"];
        IReadOnlyList<string>[] cells = scenarios.Select(r => (IReadOnlyList<string>)[
            r.Model, r.Scenario, shared ? Absent : Configuration(r, backendName, withVariant: false), r.Frames?.ToString(CultureInfo.InvariantCulture) ?? Absent,
            Cells.Number(r.Fps, Absent), Cells.Number(r.FrameP50Ms, Absent), Cells.Number(r.FrameP99Ms, Absent),
            Cells.Fixed(r.DroppedPct, 1, Absent), Verdict(r),
        ]).ToArray();
        string title = "Frame by frame (scenario cases: per-frame latency, capture to results"
            + (shared ? $"; all {configurations[0]})" : ")");
        return new SummarySection(title, WithoutEmptyColumns(headers, cells), []);
    }

    /// <summary>The cold-start rows, one line per configuration: launch to detections, session creation, first frame, peak memory.</summary>
    private static SummarySection? ColdStarts(IReadOnlyList<ResultRow> rows, Func<string, string, string> backendName)
    {
        ResultRow[] coldStarts = rows.Where(r => r.Status == CaseStatus.Ok && r.Stage.StartsWith(ColdStartPrefix, StringComparison.Ordinal)).ToArray();
        if (coldStarts.Length == 0)
        {
            return null;
        }

        string Median(IEnumerable<ResultRow> configuration, string what) =>
            configuration.FirstOrDefault(r => r.Stage == ColdStartPrefix + what) is { } row
                ? $"{Cells.Number(row.MedianMs, Absent)} / {Cells.Number(row.MaxMs, Absent)}"
                : Absent;

        string[] headers = ["Model", "Config", "launch to detections ms", "session ms", "first frame ms", "peak RSS MB"];
        IReadOnlyList<string>[] cells = coldStarts
            .GroupBy(r => (r.Model, r.Precision, r.Batch, r.Backend, r.Ep))
            .Select(g => (IReadOnlyList<string>)[
                g.Key.Model, Configuration(g.First(), backendName, withVariant: false), Median(g, "launch"), Median(g, "session"),
                Median(g, "first-frame"), Cells.Number(g.Max(r => r.PeakRssMb), Absent),
            ]).ToArray();
        return new SummarySection("Cold start (fresh processes; median / max over the launches)", WithoutEmptyColumns(headers, cells), []);
    }

    private static SummarySection? SkippedByReason(IReadOnlyList<ResultRow> rows)
    {
        IReadOnlyList<(string Reason, int Count)> groups = GroupSkipReasons(rows);
        return groups.Count == 0
            ? null
            : new SummarySection(
                $"Skipped: {groups.Sum(g => g.Count)} cases, by reason",
                null,
                groups.Select(g => $"{g.Count,4} x {g.Reason}").ToArray());
    }

    private static SummarySection? Failed(IReadOnlyList<ResultRow> rows)
    {
        ResultRow[] failed = rows.Where(r => r.Status == CaseStatus.Failed).ToArray();
        if (failed.Length == 0)
        {
            return null;
        }

        var lines = failed.Take(MaxFailuresShown).Select(r => $"{ShortName(r.Benchmark)}: {FirstLine(r.Reason)}").ToList();
        if (failed.Length > MaxFailuresShown)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"... and {failed.Length - MaxFailuresShown} more (edgebench.csv has every one)"));
        }

        return new SummarySection(string.Create(CultureInfo.InvariantCulture, $"Failed: {failed.Length} cases"), null, lines);
    }

    /// <summary>"fp32 b4 ort-cpu", with the stage's variant where it is one ("fp16 b8 ort-cuda cuda-kernels-pipelined").</summary>
    private static string Configuration(ResultRow row, Func<string, string, string> backendName, bool withVariant = true)
    {
        string configuration = string.Create(CultureInfo.InvariantCulture, $"{row.Precision} b{row.Batch} {backendName(row.Backend, row.Ep)}");
        string variant = EndToEndRows.Variant(row.Stage);
        return withVariant && variant.Length > 0 ? $"{configuration} {variant}" : configuration;
    }

    /// <summary>
    /// The four stage cases of the row's configuration (same model, precision, batch, backend) as % of their sum; a
    /// stage that did not run in this configuration reads '?', and without an inference case there is no split (e.g.
    /// a GPU pipeline variant).
    /// </summary>
    private static string Split(IReadOnlyList<ResultRow> rows, ResultRow best)
    {
        double? StageMs(string stage, string precision) => rows.FirstOrDefault(r =>
            r.Status == CaseStatus.Ok && r.Stage == stage && r.Model == best.Model && r.Precision == precision
            && r.Batch == best.Batch && r.Backend == best.Backend && r.Ep == best.Ep)?.FrameMs;

        // An int8 model takes and gives fp32 tensors (PrecisionNames.HostTensors), so its to-tensor, preprocess and
        // postprocess are fp32's code: a run with fp32 times them there only (CaseFilter), and int8's frame is fp32's
        // host stages plus its inference.
        string? hostPrecision = PrecisionNames.TryParse(best.Precision, out Precision precision) && precision.HostTensors() != precision
            ? precision.HostTensors().ToName()
            : null;
        double?[] stageMs = s_splitStages.Select(stage => StageMs(stage, best.Precision)
            ?? (hostPrecision is not null && stage != "inference" ? StageMs(stage, hostPrecision) : null)).ToArray();
        if (stageMs[Array.IndexOf(s_splitStages, "inference")] is not > 0)
        {
            return Absent;
        }

        double total = stageMs.Sum(ms => ms is > 0 ? ms.Value : 0);
        return string.Join('/', stageMs.Select(ms => ms is > 0 ? Percent(ms.Value / total) : "?"));
    }

    /// <summary>Whole percent, or one decimal below 10% so small stages do not all read 0.</summary>
    private static string Percent(double fraction)
    {
        double percent = fraction * 100;
        return percent < 10 ? percent.ToString("F1", CultureInfo.InvariantCulture) : percent.ToString("F0", CultureInfo.InvariantCulture);
    }

    /// <summary>The diagnosis of a valid case (what bounds it, what to watch); an invalid one says so first.</summary>
    private static string Verdict(ResultRow row) =>
        row.Verdict == "invalid" ? $"INVALID: {row.Diagnosis}"
        : row.Diagnosis.Length > 0 ? row.Diagnosis
        : row.Verdict.Length > 0 ? row.Verdict
        : Absent;

    /// <summary>"MobileNetBenchmarks.ToTensor(mobilenetv2, fp16, 1, torchsharp-cpu)": namespace and parameter names dropped.</summary>
    internal static string ShortName(string benchmark)
    {
        int open = benchmark.IndexOf('(', StringComparison.Ordinal);
        string method = open < 0 ? benchmark : benchmark[..open];
        string[] parts = method.Split('.');
        string name = parts.Length >= 2 ? $"{parts[^2]}.{parts[^1]}" : method;
        if (open < 0)
        {
            return name;
        }

        IEnumerable<string> values = benchmark[(open + 1)..].TrimEnd(')').Split(", ")
            .Select(p => p.Contains(": ", StringComparison.Ordinal) ? p[(p.IndexOf(": ", StringComparison.Ordinal) + 2)..] : p);
        return $"{name}({string.Join(", ", values)})";
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOfAny(['\r', '\n']);
        return newline < 0 ? text : text[..newline];
    }

    /// <summary>Columns where no row has a value (e.g. power on a machine without a power sensor) are left out.</summary>
    private static ReportTable WithoutEmptyColumns(string[] headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        int[] kept = Enumerable.Range(0, headers.Length).Where(i => rows.Any(r => r[i] != Absent)).ToArray();
        string[] keptHeaders = kept.Select(i => headers[i]).ToArray();
        IReadOnlyList<string>[] keptRows = rows.Select(r => (IReadOnlyList<string>)kept.Select(i => r[i]).ToArray()).ToArray();
        return new ReportTable(keptHeaders, keptRows, keptHeaders, keptRows);
    }

    /// <summary>The table as padded columns; numbers right aligned, text left aligned, the last column never padded.</summary>
    private static IEnumerable<string> AlignedLines(ReportTable table)
    {
        int columns = table.Headers.Count;
        int[] widths = Enumerable.Range(0, columns)
            .Select(i => table.Rows.Select(r => r[i].Length).Append(table.Headers[i].Length).Max()).ToArray();
        bool[] numeric = Enumerable.Range(0, columns).Select(i => table.Rows.All(r => IsNumber(r[i]))).ToArray();
        IEnumerable<IReadOnlyList<string>> lines = table.Rows.Prepend(table.Headers);
        return lines.Select(cells => string.Join("  ", Enumerable.Range(0, columns).Select(i =>
            i == columns - 1 && !numeric[i] ? cells[i]
            : numeric[i] ? cells[i].PadLeft(widths[i])
            : cells[i].PadRight(widths[i]))).TrimEnd());
    }

    private static bool IsNumber(string cell) =>
        cell == Absent || double.TryParse(cell.TrimEnd('x', '%'), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Fit(string line, int width) =>
        width <= 3 || line.Length <= width ? line : line[..(width - 3)] + "...";

    private static string Duration(TimeSpan elapsed) =>
        elapsed.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours}h{elapsed.Minutes:00}m{elapsed.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{elapsed.Minutes}m{elapsed.Seconds:00}s");
}
