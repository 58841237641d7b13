using System.CommandLine;
using System.Globalization;
using EdgeBench.Benchmarks.Cli;
using EdgeBench.Reporting.Diff;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>diff &lt;base-run&gt; &lt;new-run&gt; [--threshold 5%] [--noise 1us] [--alpha 0.01] [--force] [--out FILE]</c>:
/// Markdown for a pull request on stdout (and in FILE); exit 0, 1 (error or refused) or 2 (regression).
/// </summary>
internal static class DiffVerb
{
    public const int Regression = 2;

    public static Command Create()
    {
        var defaults = new DiffOptions();
        var baseRun = new Argument<string>("base-run") { Description = "the run folder measured first: results/<device-id>/<run-id>" };
        var newRun = new Argument<string>("new-run") { Description = "the run folder to compare with it" };
        var threshold = new Option<double?>("--threshold")
        {
            HelpName = "PERCENT",
            Description = $"relative threshold, e.g. 5% [default: {defaults.ThresholdPercent.ToString(CultureInfo.InvariantCulture)}%]",
            CustomParser = OptionValues.Checked<double>(DiffOptions.TryParseThreshold, "is not a percentage like 5%."),
        };
        var noise = new Option<double?>("--noise")
        {
            HelpName = "TIME",
            Description = "absolute noise floor per operation: ns, us, ms or s; a bare number is ms [default: 1us]",
            CustomParser = OptionValues.Checked<double>(DiffOptions.TryParseNoise, "is not a time like 0.3ms, 500us or 2000ns."),
        };
        var alpha = new Option<double?>("--alpha")
        {
            HelpName = "P",
            Description = $"significance level of each one-sided test [default: {defaults.Alpha.ToString(CultureInfo.InvariantCulture)}]",
            CustomParser = OptionValues.Checked<double>(TryParseAlpha, "is not a significance level between 0 and 0.5."),
        };
        var force = new Option<bool>("--force") { Description = "compare runs of different devices, providers, power modes or runtime versions" };
        var outFile = new Option<string?>("--out") { HelpName = "FILE", Description = "also write the Markdown to FILE" };
        var command = new Command("diff", """
            Compares the raw per-iteration samples of every case (matched by full benchmark name) with a Mann-Whitney
            equivalence test; a case is Slower/Faster only beyond both --threshold (relative) and --noise (absolute).
            Refuses runs of different devices, providers, power modes or runtime versions unless --force.
            Exit 0: no regression; 1: error or refused; 2: a case is slower or no longer measured.
            """)
        {
            baseRun, newRun, threshold, noise, alpha, force, outFile,
        };
        command.SetAction(result => Run(
            result.GetRequiredValue(baseRun),
            result.GetRequiredValue(newRun),
            new DiffOptions
            {
                ThresholdPercent = result.GetValue(threshold) ?? defaults.ThresholdPercent,
                NoiseNanoseconds = result.GetValue(noise) ?? defaults.NoiseNanoseconds,
                Alpha = result.GetValue(alpha) ?? defaults.Alpha,
                Force = result.GetValue(force),
            },
            result.GetValue(outFile),
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error));
        return command;
    }

    private static bool TryParseAlpha(string text, out double alpha) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out alpha) && alpha > 0 && alpha < 0.5;

    private static int Run(string baseRun, string newRun, DiffOptions options, string? outFile, TextWriter output, TextWriter error)
    {
        DiffResult result;
        try
        {
            result = RunDiff.Compare(DiffInput.Read(baseRun), DiffInput.Read(newRun), options);
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"diff: {e.Message}");
            return VerbDispatcher.Error;
        }

        if (result.Mismatches.Count > 0 && !options.Force)
        {
            error.WriteLine("diff: refusing to compare runs measured in different setups (pass --force to compare anyway):");
            foreach (EnvironmentMismatch m in result.Mismatches)
            {
                error.WriteLine($"  {m.Field}: '{m.Base}' (base) vs '{m.New}' (new)");
            }

            return VerbDispatcher.Error;
        }

        string markdown = DiffMarkdown.Format(result);
        output.Write(markdown);
        if (outFile is not null)
        {
            File.WriteAllText(outFile, markdown);
        }

        return result.HasRegression ? Regression : VerbDispatcher.Ok;
    }
}
