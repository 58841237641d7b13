using System.Globalization;
using CsvHelper;

namespace EdgeBench.Reporting.Runs;

/// <summary>
/// A small CSV file read by column name (the optional side files of a run, the device catalog) and the tables the
/// reports write: RFC 4180, comma separated, LF line endings, invariant culture. Errors name the file, the row and
/// the column.
/// </summary>
public sealed class CsvTable
{
    private static readonly CsvWriterOptions s_writerOptions = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        FormatProvider = CultureInfo.InvariantCulture,
    };

    private static readonly CsvReaderOptions s_readerOptions = CsvReaderOptions.Default with
    {
        FormatProvider = CultureInfo.InvariantCulture,
    };

    private CsvTable(string path, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        Path = path;
        Headers = headers;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<string> Headers { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Reads <paramref name="path"/>; a missing file, a missing required column or a ragged row is an <see cref="InvalidDataException"/>.</summary>
    public static CsvTable Read(string path, string what, params string[] requiredColumns)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: file not found; expected {what}.");
        }

        var rows = new List<string[]>();
        string[] headers;
        try
        {
            using CsvReader csv = CsvReader.FromFile(path, s_readerOptions, FileOptions.SequentialScan);
            csv.ReadHeader();
            headers = [.. csv.Headers];
            string[] missing = requiredColumns.Except(headers).ToArray();
            if (missing.Length > 0)
            {
                throw new InvalidDataException($"{path}: missing column(s) {string.Join(", ", missing)}; expected {what} with columns {string.Join(",", requiredColumns)}.");
            }

            while (csv.Read())
            {
                if (csv.FieldCount < headers.Length)
                {
                    throw new InvalidDataException($"{path}: row {csv.RowNumber} has {csv.FieldCount} cell(s) but the header has {headers.Length}; expected {what}.");
                }

                string[] row = new string[headers.Length];
                for (int i = 0; i < headers.Length; i++)
                {
                    row[i] = csv.GetString(i);
                }

                rows.Add(row);
            }
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{path}: not a valid CSV file (line {e.LineNumber}: {e.Message}); expected {what}.", e);
        }

        return new CsvTable(path, headers, rows);
    }

    /// <summary>The cell of <paramref name="column"/> in <paramref name="row"/>, empty when the file has no such column.</summary>
    public string Get(string[] row, string column)
    {
        int index = IndexOf(column);
        return index < 0 ? string.Empty : row[index].Trim();
    }

    /// <summary>A number cell: null when empty; anything else that is not a number is an error naming file, row and column.</summary>
    public double? GetNumber(string[] row, string column)
    {
        string value = Get(row, column);
        if (value.Length == 0)
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return number;
        }

        int line = IndexOfRow(row) + 2; // 1-based, after the header
        throw new InvalidDataException($"{Path}: line {line}, column {column}: '{value}' is not a number (invariant culture, e.g. 0.998).");
    }

    private int IndexOf(string column)
    {
        for (int i = 0; i < Headers.Count; i++)
        {
            if (Headers[i] == column)
            {
                return i;
            }
        }

        return -1;
    }

    private int IndexOfRow(string[] row)
    {
        for (int i = 0; i < Rows.Count; i++)
        {
            if (ReferenceEquals(Rows[i], row))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Writes a header and rows through a temporary file, so a reader never sees half a table.</summary>
    public static void Write(string path, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        string temporary = path + ".tmp";
        using (FileStream stream = File.Create(temporary))
        using (CsvWriter csv = CsvWriter.Create(stream, s_writerOptions, false))
        {
            csv.WriteHeader([.. headers]);
            foreach (IReadOnlyList<string> row in rows)
            {
                csv.WriteRecord([.. row]);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}
