using System.CommandLine;
using System.Globalization;
using EdgeBench.Benchmarks.Cli;
using EdgeBench.Reporting.Reports;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>report precision|backends &lt;run&gt;</c> and <c>report devices &lt;results-root&gt; [run ...] [--commit SHA] [--since DATE]</c>: tables
/// (Markdown + CSV) and charts (PNG + SVG) under a <c>reports/</c> folder; the Markdown also goes to stdout.
/// </summary>
internal static class ReportVerb
{
    public static Command Create() => new("report", "Tables (Markdown + CSV) and charts (PNG + SVG) of one run or of every device.")
    {
        Precision(), Backends(), Devices(), Timeline(),
    };

    private static Command Timeline()
    {
        var run = RunArgument();
        var command = new Command("timeline", """
            Draws the chart of each sustained timeline of a run again (<run>/timeline/*.csv -> .png, .svg) and lists each
            case's last-minute over first-minute FPS.
            """)
        {
            run,
        };
        command.SetAction(result => Write(result, () => ReportWriter.WriteTimelines(result.GetRequiredValue(run))));
        return command;
    }

    private static Command Precision()
    {
        var run = RunArgument();
        var stage = new Option<string?>("--stage") { HelpName = "STAGE[,STAGE]", Description = "the stages to tabulate [default: end-to-end,inference]" };
        var command = new Command("precision", """
            fp32 vs fp16 per model x stage x backend/EP x batch: latency, FPS, speed ratio, model size and fp16 output
            quality (accuracy.csv, models.csv of the run). Writes <run>/reports/precision.{md,csv,png,svg}.
            """)
        {
            run, stage,
        };
        command.SetAction(result => Write(result, () => ReportWriter.WritePrecision(
            result.GetRequiredValue(run),
            result.GetValue(stage)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))));
        return command;
    }

    private static Command Backends()
    {
        var run = RunArgument();
        var command = new Command("backends", """
            ONNX Runtime vs TorchSharp per model x precision x batch x stage: both medians per frame, FPS and the ratio
            (ORT speed-up). Writes <run>/reports/backends.{md,csv}; a run that measured both engines writes it by itself.
            """)
        {
            run,
        };
        command.SetAction(result => Write(result, () => ReportWriter.WriteBackends(result.GetRequiredValue(run))));
        return command;
    }

    private static Command Devices()
    {
        var resultsRoot = new Argument<string>("results-root") { Description = "the results root: one folder per device id" };
        var runs = new Argument<string[]>("run")
        {
            Description = "read only these run folders (absolute, or relative to the working folder or the results root)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var commit = new Option<string?>("--commit") { HelpName = "SHA", Description = "only runs of this commit (run ids end with -<commit>; nogit: runs made without git)" };
        var since = new Option<string?>("--since") { HelpName = "DATE", Description = "only runs started at or after this UTC date or time (YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss])" };
        var catalog = new Option<string?>("--catalog") { HelpName = "FILE", Description = "device prices and peak GFLOPS [default: <results-root>/devices.csv]" };
        var stage = new Option<string?>("--stage") { HelpName = "STAGE", Description = "compare this stage row only [default: every end-to-end pipeline]" };
        var precision = new Option<string?>("--precision") { HelpName = "fp32|fp16", Description = "only this precision" };
        var batch = new Option<int?>("--batch")
        {
            HelpName = "N",
            Description = "only this batch size",
            CustomParser = OptionValues.Checked<int>(TryParsePositive, "is not a positive whole number."),
        };
        var command = new Command("devices", """
            One row per device x model from every run of each <results-root>/<device-id>/ (each case's newest ok
            measurement): the model's best end-to-end pipeline (host, GPU variants, ladder, scenarios), FPS, latency,
            power, FPS/W, energy/frame, FPS per dollar, and a precision view. Writes <results-root>/reports/devices.md,
            devices.csv, devices-precision.csv and the charts devices-*.{png,svg}.
            """)
        {
            resultsRoot, runs, commit, since, catalog, stage, precision, batch,
        };
        command.SetAction(result => Write(result, () => ReportWriter.WriteDevices(
            result.GetRequiredValue(resultsRoot),
            RunSelection.Parse(result.GetValue(runs), result.GetValue(commit), result.GetValue(since)),
            result.GetValue(catalog),
            result.GetValue(stage),
            result.GetValue(precision),
            result.GetValue(batch))));
        return command;
    }

    private static Argument<string> RunArgument() => new("run") { Description = "a run folder: results/<device-id>/<run-id>" };

    private static bool TryParsePositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;

    /// <summary>Prints the report's Markdown and the files written; a run folder that cannot be read is exit 1.</summary>
    private static int Write(ParseResult result, Func<(IReadOnlyList<string> Files, string Markdown)> report)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        try
        {
            (IReadOnlyList<string> files, string markdown) = report();
            output.Write(markdown);
            output.WriteLine();
            foreach (string file in files)
            {
                output.WriteLine($"wrote {file}");
            }

            return VerbDispatcher.Ok;
        }
        catch (InvalidDataException e)
        {
            result.InvocationConfiguration.Error.WriteLine($"report {result.CommandResult.Command.Name}: {e.Message}");
            return VerbDispatcher.Error;
        }
    }
}
