using System.Globalization;

namespace EdgeBench.Telemetry.Tegrastats;

/// <summary>
/// The pure body of the benchmark program's <c>telemetry parse &lt;log&gt;</c> verb: reads a tegrastats log and writes
/// one JSON object per input line (see <see cref="TegrastatsJson"/>).
/// </summary>
/// <remarks>
/// Decision: every input line produces exactly one output line, and a line that is not tegrastats output (a
/// <c>date</c> line a logging script added, an empty line, garbage) is written as <c>null</c>. Keeping output line
/// N aligned with input line N lets a reader join the two files (e.g. with timestamps kept elsewhere) without
/// re-counting, and a JSON-lines reader skips <c>null</c> trivially. The number of such lines, with the first few
/// line numbers, goes to <c>error</c> as one summary line, which is always written so a script sees the count.
/// </remarks>
internal static class TelemetryParseCommand
{
    /// <summary>How many unparseable line numbers the summary lists before eliding the rest.</summary>
    internal const int MaxListedLines = 10;

    /// <summary>Runs the verb. Returns 0 when at least one line parsed or the input was empty, 1 when the input had
    /// lines but none was tegrastats output (most likely the wrong file).</summary>
    public static int Run(TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        int lineNumber = 0;
        int parsed = 0;
        var skipped = new List<int>();
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            if (TegrastatsParser.TryParse(line, out TegrastatsSample sample))
            {
                parsed++;
                output.WriteLine(TegrastatsJson.Format(sample));
            }
            else
            {
                skipped.Add(lineNumber);
                output.WriteLine(TegrastatsJson.Format(null));
            }
        }

        string summary = string.Create(CultureInfo.InvariantCulture,
            $"telemetry parse: {parsed} line(s) parsed, {skipped.Count} skipped (written as null)");
        if (skipped.Count > 0)
        {
            summary += ": line " + string.Join(", ", skipped.Take(MaxListedLines).Select(n => n.ToString(CultureInfo.InvariantCulture)))
                + (skipped.Count > MaxListedLines ? ", ..." : string.Empty);
        }

        error.WriteLine(summary);
        return parsed == 0 && lineNumber > 0 ? 1 : 0;
    }
}
