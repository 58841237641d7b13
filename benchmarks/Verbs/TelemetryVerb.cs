using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary><c>telemetry parse &lt;tegrastats-log&gt;</c>: one JSON object per input line (<c>-</c> reads stdin).</summary>
internal static class TelemetryVerb
{
    private const string Usage = "usage: telemetry parse <tegrastats-log | ->";

    public static int Run(string[] args, TextReader stdin, TextWriter output, TextWriter error)
    {
        if (args.Length != 2 || args[0] != "parse")
        {
            error.WriteLine(Usage);
            return VerbDispatcher.Error;
        }

        if (args[1] == "-")
        {
            return TelemetryParseCommand.Run(stdin, output, error);
        }

        if (!File.Exists(args[1]))
        {
            error.WriteLine($"telemetry parse: {args[1]}: file not found; expected a tegrastats log (one line per sample).");
            return VerbDispatcher.Error;
        }

        using var reader = new StreamReader(args[1]);
        return TelemetryParseCommand.Run(reader, output, error);
    }
}
