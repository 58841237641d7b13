using System.CommandLine;
using EdgeBench.Telemetry.Tegrastats;

namespace EdgeBench.Benchmarks.Verbs;

/// <summary><c>telemetry parse &lt;tegrastats-log&gt;</c>: one JSON object per input line (<c>-</c> reads stdin).</summary>
internal static class TelemetryVerb
{
    public static Command Create(TextReader input)
    {
        var log = new Argument<string>("tegrastats-log") { Description = "a tegrastats log (one line per sample), or - for stdin" };
        var parse = new Command("parse", "Prints one JSON object per tegrastats line.") { log };
        parse.SetAction(result => Parse(result.GetRequiredValue(log), input, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return new Command("telemetry", "Reads telemetry logs.") { parse };
    }

    private static int Parse(string log, TextReader input, TextWriter output, TextWriter error)
    {
        if (log == "-")
        {
            return TelemetryParseCommand.Run(input, output, error);
        }

        if (!File.Exists(log))
        {
            error.WriteLine($"telemetry parse: {log}: file not found; expected a tegrastats log (one line per sample).");
            return VerbDispatcher.Error;
        }

        using var reader = new StreamReader(log);
        return TelemetryParseCommand.Run(reader, output, error);
    }
}
