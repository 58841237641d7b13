using System.CommandLine;
using System.Globalization;
using EdgeBench.Benchmarks.Cli;
using EdgeBench.Reporting.Reports;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>report precision|backends &lt;run&gt;</c> and <c>report devices &lt;results-root&gt; [run ...]</c>: tables
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
        var runs = new Argument<string[]>("run") { Description = "a run folder that replaces its device's latest", Arity = ArgumentArity.ZeroOrMore };
        var catalog = new Option<string?>("--catalog") { HelpName = "FILE", Description = "device prices and power modes [default: <results-root>/devices.csv]" };
        var stage = new Option<string?>("--stage") { HelpName = "STAGE", Description = "the stage to compare [default: end-to-end]" };
        var precision = new Option<string?>("--precision") { HelpName = "fp32|fp16", Description = "only this precision" };
        var batch = new Option<int?>("--batch")
        {
            HelpName = "N",
            Description = "only this batch size",
            CustomParser = OptionValues.Checked<int>(TryParsePositive, "is not a positive whole number."),
        };
        var command = new Command("devices", """
            One row per device x model from the latest run of each <results-root>/<device-id>/: FPS, latency, power, FPS/W,
            energy/frame, FPS per dollar. Writes <results-root>/reports/devices.{md,csv}, devices-fps.{png,svg},
            devices-fps-vs-power.{png,svg}.
            """)
        {
            resultsRoot, runs, catalog, stage, precision, batch,
        };
        command.SetAction(result => Write(result, () => ReportWriter.WriteDevices(
            result.GetRequiredValue(resultsRoot),
            result.GetValue(runs) ?? [],
            result.GetValue(catalog),
            result.GetValue(stage) ?? "end-to-end",
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
