using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace EdgeBench.Pipeline.Frames;

/// <summary>
/// The per-frame trace file (<c>*.csv</c>, or gzip-compressed when the name ends in <c>.gz</c>; run folders keep plain
/// text, which git diffs and compresses itself): one row per recorded frame, in capture order, columns
/// <c>frame,capture_ms,wait_ms,to_tensor_ms,preprocess_ms,inference_ms,postprocess_ms,total_ms,dropped</c>
/// followed by <c>&lt;name&gt;_ms</c> for each extra mark. Milliseconds with 4 decimals (0.1 µs) in the invariant
/// culture; <c>capture_ms</c> is relative to the first row's capture, extra marks are relative to the frame's
/// processing start. Dropped frames (<c>dropped</c> = 1) and extra marks a path did not record leave their fields empty.
/// </summary>
public static class FrameTraceCsv
{
    /// <summary>The columns every trace file starts with, in order.</summary>
    public static readonly IReadOnlyList<string> FixedColumns =
    [
        "frame", "capture_ms", "wait_ms", "to_tensor_ms", "preprocess_ms", "inference_ms", "postprocess_ms", "total_ms", "dropped",
    ];

    /// <summary>
    /// Writes <paramref name="trace"/> to <paramref name="path"/> (gzip). The file appears complete or not at all:
    /// the rows go to a temporary file beside it, which is renamed over <paramref name="path"/> only once written,
    /// so an interrupted run never leaves a truncated trace that a later diff would read as a short run.
    /// </summary>
    public static void Write(FrameTrace trace, string path)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporaryPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write))
            using (Stream body = IsCompressed(fullPath) ? new GZipStream(file, CompressionLevel.Optimal) : file)
            using (var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                writer.NewLine = "\n";
                WriteRows(trace, writer);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporaryPath);
            throw;
        }
    }

    /// <summary>Reads a trace file written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a trace file (wrong header, bad field).</exception>
    public static FrameTraceSamples Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        using Stream body = IsCompressed(path) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(body, Encoding.UTF8);
        return Read(reader, path);
    }

    private static bool IsCompressed(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    internal static void WriteRows(FrameTrace trace, TextWriter writer)
    {
        var line = new StringBuilder(256);
        line.AppendJoin(',', FixedColumns);
        foreach (string name in trace.ExtraMarkNames)
        {
            line.Append(',').Append(name).Append("_ms");
        }

        writer.WriteLine(line);
        long origin = trace.OriginTicks;
        for (int row = 0; row < trace.Count; row++)
        {
            FrameRecord record = trace[row];
            line.Clear();
            line.Append(record.FrameNumber.ToString(CultureInfo.InvariantCulture)).Append(',');
            AppendMilliseconds(line, trace, record.CaptureTicks - origin);
            if (record.Dropped)
            {
                line.Append(",,,,,,,1");
                for (int m = 0; m < trace.ExtraMarkNames.Count; m++)
                {
                    line.Append(',');
                }
            }
            else
            {
                foreach (long ticks in (ReadOnlySpan<long>)[
                    record.WaitTicks, record.ToTensorTicks, record.PreprocessTicks, record.InferenceTicks,
                    record.PostprocessTicks, record.TotalTicks])
                {
                    line.Append(',');
                    AppendMilliseconds(line, trace, ticks);
                }

                line.Append(",0");
                for (int m = 0; m < trace.ExtraMarkNames.Count; m++)
                {
                    line.Append(',');
                    long mark = trace.ExtraMark(row, m);
                    if (mark != FrameTrace.NotRecorded)
                    {
                        AppendMilliseconds(line, trace, mark - record.StartTicks);
                    }
                }
            }

            writer.WriteLine(line);
        }
    }

    internal static FrameTraceSamples Read(TextReader reader, string source)
    {
        string header = reader.ReadLine()
            ?? throw new InvalidDataException($"Frame trace '{source}' is empty; expected the header '{string.Join(',', FixedColumns)}'.");
        string[] columns = header.Split(',');
        if (columns.Length < FixedColumns.Count || !columns.AsSpan(0, FixedColumns.Count).SequenceEqual(FixedColumns.ToArray()))
        {
            throw new InvalidDataException(
                $"Frame trace '{source}' starts with '{header}'; expected the header '{string.Join(',', FixedColumns)}' (then <mark>_ms columns).");
        }

        string[] extraNames = new string[columns.Length - FixedColumns.Count];
        for (int m = 0; m < extraNames.Length; m++)
        {
            string column = columns[FixedColumns.Count + m];
            if (!column.EndsWith("_ms", StringComparison.Ordinal) || column.Length == 3)
            {
                throw new InvalidDataException($"Frame trace '{source}' has extra column '{column}'; expected '<mark>_ms'.");
            }

            extraNames[m] = column[..^3];
        }

        var frames = new List<long>();
        var stageColumns = new List<double>[7];
        for (int c = 0; c < stageColumns.Length; c++)
        {
            stageColumns[c] = [];
        }

        var dropped = new List<bool>();
        var extras = new List<double>[extraNames.Length];
        for (int m = 0; m < extras.Length; m++)
        {
            extras[m] = [];
        }

        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (fields.Length != columns.Length)
            {
                throw new InvalidDataException($"Frame trace '{source}' line {lineNumber} has {fields.Length} fields; expected {columns.Length}.");
            }

            frames.Add(long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long frame)
                ? frame
                : throw new InvalidDataException($"Frame trace '{source}' line {lineNumber}: frame '{fields[0]}' is not an integer."));
            for (int c = 0; c < stageColumns.Length; c++)
            {
                stageColumns[c].Add(ParseMilliseconds(fields[1 + c], source, lineNumber, FixedColumns[1 + c]));
            }

            dropped.Add(fields[8] switch
            {
                "0" => false,
                "1" => true,
                _ => throw new InvalidDataException($"Frame trace '{source}' line {lineNumber}: dropped '{fields[8]}' is not 0 or 1."),
            });
            for (int m = 0; m < extras.Length; m++)
            {
                extras[m].Add(ParseMilliseconds(fields[FixedColumns.Count + m], source, lineNumber, columns[FixedColumns.Count + m]));
            }
        }

        var extraMarks = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (int m = 0; m < extras.Length; m++)
        {
            extraMarks[extraNames[m]] = [.. extras[m]];
        }

        return new FrameTraceSamples(
            [.. frames],
            [.. stageColumns[0]],
            [.. stageColumns[1]],
            [.. stageColumns[2]],
            [.. stageColumns[3]],
            [.. stageColumns[4]],
            [.. stageColumns[5]],
            [.. stageColumns[6]],
            [.. dropped],
            extraMarks);
    }

    private static void AppendMilliseconds(StringBuilder line, FrameTrace trace, long ticks) =>
        line.Append(trace.ToMilliseconds(ticks).ToString("F4", CultureInfo.InvariantCulture));

    private static double ParseMilliseconds(string field, string source, int lineNumber, string column)
    {
        if (field.Length == 0)
        {
            return double.NaN;
        }

        return double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new InvalidDataException($"Frame trace '{source}' line {lineNumber}: {column} '{field}' is not a number.");
    }
}

/// <summary>
/// The columns of a trace file, one element per row (capture order). Milliseconds; NaN where the file has an empty
/// field (dropped frames, unrecorded extra marks).
/// </summary>
public sealed record FrameTraceSamples(
    long[] Frame,
    double[] CaptureMilliseconds,
    double[] WaitMilliseconds,
    double[] ToTensorMilliseconds,
    double[] PreprocessMilliseconds,
    double[] InferenceMilliseconds,
    double[] PostprocessMilliseconds,
    double[] TotalMilliseconds,
    bool[] Dropped,
    IReadOnlyDictionary<string, double[]> ExtraMarksMilliseconds)
{
    /// <summary>Rows in the file.</summary>
    public int Count => Frame.Length;

    /// <summary>The totals of processed frames only, in row order: the per-frame latency distribution.</summary>
    public double[] ProcessedTotals() => ProcessedOnly(TotalMilliseconds);

    /// <summary>
    /// Any per-row column restricted to processed frames (e.g. <c>ProcessedOnly(InferenceMilliseconds)</c> for the
    /// inference distribution).
    /// </summary>
    public double[] ProcessedOnly(double[] column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.Length != Count)
        {
            throw new ArgumentException($"Expected a column of this trace ({Count} rows); got {column.Length} values.", nameof(column));
        }

        var values = new List<double>(Count);
        for (int row = 0; row < Count; row++)
        {
            if (!Dropped[row])
            {
                values.Add(column[row]);
            }
        }

        return [.. values];
    }
}
