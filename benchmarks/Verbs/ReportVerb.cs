using System.Globalization;
using EdgeBench.Reporting.Reports;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary>
/// <c>report precision &lt;run&gt;</c> and <c>report devices &lt;results-root&gt; [run ...]</c>: tables (Markdown + CSV)
/// and charts (PNG + SVG) under a <c>reports/</c> folder; the Markdown also goes to stdout.
/// </summary>
internal static class ReportVerb
{
    private const string Usage = """
        usage: report precision <run> [--stage STAGE[,STAGE]]
               report backends <run>
               report devices <results-root> [<run> ...] [--catalog FILE] [--stage STAGE] [--precision fp32|fp16] [--batch N]
          precision  fp32 vs fp16 per model x stage x backend/EP x batch: latency, FPS, speed ratio, model size and
                     fp16 output quality (accuracy.csv, models.csv of the run). Writes <run>/reports/precision.{md,csv,png,svg}.
                     --stage: default end-to-end,inference.
          backends   ONNX Runtime vs TorchSharp per model x precision x batch x stage: both medians per frame, FPS
                     and the ratio (ORT speed-up). Writes <run>/reports/backends.{md,csv}; a run that measured both
                     engines writes it by itself.
          devices    one row per device x model from the latest run of each <results-root>/<device-id>/ (a <run> named
                     here replaces its device's latest): FPS, latency, power, FPS/W, energy/frame, FPS per dollar.
                     Writes <results-root>/reports/devices.{md,csv}, devices-fps.{png,svg}, devices-fps-vs-power.{png,svg}.
                     --catalog: default <results-root>/devices.csv; --stage: default end-to-end.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length < 2 || args[0] is not ("precision" or "devices" or "backends"))
        {
            bool help = args.Length > 0 && args[0] is "-h" or "--help";
            (help ? output : error).WriteLine(Usage);
            return help ? VerbDispatcher.Ok : VerbDispatcher.Error;
        }

        string? stage = null, catalog = null, precision = null;
        int? batch = null;
        var positional = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--stage" when i + 1 < args.Length:
                    stage = args[++i];
                    break;
                case "--catalog" when i + 1 < args.Length && args[0] == "devices":
                    catalog = args[++i];
                    break;
                case "--precision" when i + 1 < args.Length && args[0] == "devices":
                    precision = args[++i];
                    break;
                case "--batch" when i + 1 < args.Length && args[0] == "devices":
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b < 1)
                    {
                        error.WriteLine($"report devices: --batch '{args[i]}' is not a positive whole number.");
                        return VerbDispatcher.Error;
                    }

                    batch = b;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || (args[0] is "precision" or "backends" && positional.Count == 1))
                    {
                        error.WriteLine($"report {args[0]}: unexpected argument '{args[i]}'.");
                        error.WriteLine(Usage);
                        return VerbDispatcher.Error;
                    }

                    positional.Add(args[i]);
                    break;
            }
        }

        try
        {
            (IReadOnlyList<string> files, string markdown) = args[0] switch
            {
                "precision" => ReportWriter.WritePrecision(positional[0], stage?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
                "backends" => ReportWriter.WriteBackends(positional[0]),
                _ => ReportWriter.WriteDevices(positional[0], positional[1..], catalog, stage ?? "end-to-end", precision, batch),
            };
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
            error.WriteLine($"report {args[0]}: {e.Message}");
            return VerbDispatcher.Error;
        }
    }
}
