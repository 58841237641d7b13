using System.Globalization;
using System.Text;
using EdgeBench.Reporting.Tables;
using EnvironmentInfo = EdgeBench.Reporting.Environment.EnvironmentInfo;

namespace EdgeBench.Reporting.Diff;

/// <summary>Formats a <see cref="DiffResult"/> as Markdown ready for a pull request comment.</summary>
public static class DiffMarkdown
{
    public static string Format(DiffResult diff)
    {
        var md = new StringBuilder();
        int slower = diff.Where(DiffVerdict.Slower).Count(), faster = diff.Where(DiffVerdict.Faster).Count();
        int unchanged = diff.Where(DiffVerdict.Unchanged).Count(), failing = diff.Where(DiffVerdict.NowFailing).Count();
        md.Append(CultureInfo.InvariantCulture, $"## EdgeBench diff: `{diff.Base.Label}` → `{diff.New.Label}`\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- base: {Describe(diff.Base.Environment)}\n");
        md.Append(CultureInfo.InvariantCulture, $"- new: {Describe(diff.New.Environment)}\n");
        md.Append(CultureInfo.InvariantCulture,
            $"- test: Mann-Whitney equivalence test on the raw samples, per frame where both runs traced the case (marked), else per iteration (alpha {diff.Options.Alpha}), threshold {diff.Options.ThresholdPercent}% and noise floor {Time(diff.Options.NoiseNanoseconds)} per operation or frame; both must be exceeded\n");
        foreach (EnvironmentMismatch m in diff.Mismatches)
        {
            md.Append(CultureInfo.InvariantCulture, $"- **warning (--force):** {m.Field} differs: `{m.Base}` vs `{m.New}`\n");
        }

        md.Append('\n');
        string verdict = diff.HasRegression ? "**Regression found**" : "**No regression**";
        md.Append(CultureInfo.InvariantCulture, $"{verdict}: {slower} slower, {faster} faster, {unchanged} unchanged");
        if (failing > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $", {failing} no longer measured");
        }

        md.Append(CultureInfo.InvariantCulture, $"; geometric mean of new/base medians over all tested cases: {Ratio(diff.GeometricMean())}\n\n");

        Table(md, diff, DiffVerdict.Slower, "Slower", "new/base", c => c.Ratio, geomean: true);
        Table(md, diff, DiffVerdict.Faster, "Faster", "base/new", c => 1 / c.Ratio, geomean: true);
        Table(md, diff, DiffVerdict.NowFailing, "No longer measured (counted as a regression)", null, null, geomean: false);
        Table(md, diff, DiffVerdict.Added, "Added (only in the new run)", null, null, geomean: false);
        Table(md, diff, DiffVerdict.NowRunning, "Now measured (skipped or failed in the base run)", null, null, geomean: false);
        Table(md, diff, DiffVerdict.Missing, "Missing (only in the base run)", null, null, geomean: false);
        Table(md, diff, DiffVerdict.Inconclusive, "Inconclusive (too few samples to test)", "new/base", c => c.Ratio, geomean: false);
        if (unchanged > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"<details><summary>Unchanged ({unchanged})</summary>\n\n");
            Table(md, diff, DiffVerdict.Unchanged, null, "new/base", c => c.Ratio, geomean: false);
            md.Append("</details>\n\n");
        }

        int notRun = diff.Where(DiffVerdict.NotRun).Count();
        if (notRun > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"{notRun} case(s) skipped or failed in both runs.\n");
        }

        return md.ToString();
    }

    private static void Table(StringBuilder md, DiffResult diff, DiffVerdict verdict, string? title, string? ratioName,
        Func<CaseDiff, double?>? ratio, bool geomean)
    {
        CaseDiff[] cases = diff.Where(verdict).ToArray();
        if (cases.Length == 0)
        {
            return;
        }

        if (title is not null)
        {
            md.Append(CultureInfo.InvariantCulture, $"### {title} ({cases.Length})");
            if (geomean && diff.GeometricMean(verdict) is double g)
            {
                double shown = verdict == DiffVerdict.Faster ? 1 / g : g;
                md.Append(CultureInfo.InvariantCulture, $", geometric mean {ratioName} {Ratio(shown)}");
            }

            md.Append("\n\n");
        }

        if (ratio is not null)
        {
            cases = [.. cases.OrderByDescending(c => ratio(c) ?? 0).ThenBy(c => c.Benchmark, StringComparer.Ordinal)];
            md.Append(CultureInfo.InvariantCulture, $"| benchmark | {ratioName} | base median | new median | samples (base/new) |\n");
            md.Append("| --- | ---: | ---: | ---: | ---: |\n");
            foreach (CaseDiff c in cases)
            {
                string note = c.Note.Length > 0 ? $" ({c.Note})" : string.Empty;
                md.Append(CultureInfo.InvariantCulture,
                    $"| {ShortName(c.Benchmark)}{note} | {Ratio(ratio(c))} | {Time(c.BaseMedianNs)} | {Time(c.NewMedianNs)} | {c.BaseSamples}/{c.NewSamples} |\n");
            }
        }
        else
        {
            md.Append("| benchmark | note |\n| --- | --- |\n");
            foreach (CaseDiff c in cases)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {ShortName(c.Benchmark)} | {c.Note.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
            }
        }

        md.Append('\n');
    }

    /// <summary>Drops the namespace: <c>SsdBenchmarks.EndToEnd(Model: ssd300, ...)</c>; the full name is the key, this is for reading.</summary>
    public static string ShortName(string benchmark)
    {
        int parenthesis = benchmark.IndexOf('(', StringComparison.Ordinal);
        string method = parenthesis < 0 ? benchmark : benchmark[..parenthesis];
        int lastDot = method.LastIndexOf('.');
        int typeDot = lastDot > 0 ? method.LastIndexOf('.', lastDot - 1) : -1;
        return (typeDot < 0 ? benchmark : benchmark[(typeDot + 1)..]).Replace("|", "\\|", StringComparison.Ordinal);
    }

    private static string Describe(EnvironmentInfo e) =>
        $"`{e.DeviceId}`, commit {e.GitCommit}{(e.GitDirty == true ? " (dirty)" : string.Empty)}, {e.DotnetVersion}, ONNX Runtime {e.OnnxRuntimeVersion}, started {e.StartedUtc.ToString("u", CultureInfo.InvariantCulture)}";

    private static string Ratio(double? ratio) => ratio is double r ? r.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>ns per operation as the most readable unit.</summary>
    public static string Time(double? nanoseconds) => nanoseconds switch
    {
        null => "n/a",
        >= 1e6 => (nanoseconds.Value / 1e6).ToString("F3", CultureInfo.InvariantCulture) + " ms",
        >= 1e3 => (nanoseconds.Value / 1e3).ToString("F3", CultureInfo.InvariantCulture) + " µs",
        _ => nanoseconds.Value.ToString("F1", CultureInfo.InvariantCulture) + " ns",
    };
}
