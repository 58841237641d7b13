using EdgeBench.Reporting.Results;
using EnvironmentInfo = EdgeBench.Reporting.Environment.EnvironmentInfo;

namespace EdgeBench.Reporting.Runs;

/// <summary>
/// One row of a run's <c>accuracy.csv</c>: fp16 or int8 outputs compared against fp32 outputs on the same inputs. Null
/// where a measure does not apply (top-1 for detectors, boxes for classifiers).
/// </summary>
/// <remarks><see cref="Precision"/> is the precision compared against fp32 (fp16 or int8); files written before int8
/// have no such column and compared fp16.</remarks>
public sealed record AccuracyRow(string Model, string Backend, string Ep, int Batch, int? Images, double? CosineMin,
    double? CosineMean, double? MaxAbsError, double? Top1Agreement, double? BoxAgreement, string Notes = "", string Precision = "fp16");

/// <summary>One row of a run's <c>models.csv</c>: the model file a precision ran.</summary>
public sealed record ModelFileRow(string Model, string Precision, string Source, long? SizeBytes);

/// <summary>Readers for the optional files a run folder may hold beside edgebench.csv.</summary>
public static class SideFiles
{
    public const string AccuracyFileName = "accuracy.csv";
    public const string ModelsFileName = "models.csv";

    private static readonly string[] s_accuracyColumns =
        ["model", "backend", "ep", "batch", "images", "cosine_min", "cosine_mean", "max_abs_error", "top1_agreement", "box_agreement"];

    private static readonly string[] s_modelsColumns = ["model", "precision", "source", "size_bytes"];

    /// <summary>accuracy.csv of a run, or null when the run has none (the table then says 'not measured').</summary>
    public static IReadOnlyList<AccuracyRow>? ReadAccuracy(string runDirectory)
    {
        string path = Path.Combine(runDirectory, AccuracyFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        CsvTable table = CsvTable.Read(path, "an accuracy.csv (fp16 or int8 against fp32 on the same inputs)", s_accuracyColumns);
        return table.Rows.Select(r => new AccuracyRow(
            table.Get(r, "model"), table.Get(r, "backend"), table.Get(r, "ep"),
            (int)(table.GetNumber(r, "batch") ?? 0), (int?)table.GetNumber(r, "images"),
            table.GetNumber(r, "cosine_min"), table.GetNumber(r, "cosine_mean"), table.GetNumber(r, "max_abs_error"),
            table.GetNumber(r, "top1_agreement"), table.GetNumber(r, "box_agreement"),
            table.Headers.Contains("notes") ? table.Get(r, "notes") : string.Empty,
            table.Headers.Contains("precision") ? table.Get(r, "precision") : "fp16")).ToArray();
    }

    /// <summary>Writes accuracy.csv (the benchmark program does, after a run's timed cases).</summary>
    public static void WriteAccuracy(string runDirectory, IEnumerable<AccuracyRow> rows) =>
        Write(Path.Combine(runDirectory, AccuracyFileName), ["model", "precision", .. s_accuracyColumns.Skip(1), "notes"], rows.Select(r => new[]
        {
            r.Model, r.Precision, r.Backend, r.Ep, Format(r.Batch), Format(r.Images), Format(r.CosineMin), Format(r.CosineMean),
            Format(r.MaxAbsError), Format(r.Top1Agreement), Format(r.BoxAgreement), r.Notes,
        }));

    /// <summary>Writes models.csv: the file each precision of each model ran.</summary>
    public static void WriteModels(string runDirectory, IEnumerable<ModelFileRow> rows) =>
        Write(Path.Combine(runDirectory, ModelsFileName), s_modelsColumns, rows.Select(r => new[] { r.Model, r.Precision, r.Source, Format(r.SizeBytes) }));

    private static void Write(string path, string[] header, IEnumerable<string[]> records)
    {
        var options = CsvHelper.CsvWriterOptions.Default with { NewLine = "\n", FormatProvider = System.Globalization.CultureInfo.InvariantCulture };
        string temporary = path + ".tmp";
        using (FileStream stream = File.Create(temporary))
        using (CsvHelper.CsvWriter csv = CsvHelper.CsvWriter.Create(stream, options, false))
        {
            csv.WriteHeader(header);
            foreach (string[] record in records)
            {
                csv.WriteRecord(record);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string Format(double? value) => value?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Format(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>models.csv of a run, or null when the run has none.</summary>
    public static IReadOnlyList<ModelFileRow>? ReadModels(string runDirectory)
    {
        string path = Path.Combine(runDirectory, ModelsFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        CsvTable table = CsvTable.Read(path, "a models.csv (the model file of each precision)", s_modelsColumns);
        return table.Rows.Select(r => new ModelFileRow(
            table.Get(r, "model"), table.Get(r, "precision"), table.Get(r, "source"),
            table.GetNumber(r, "size_bytes") is double size ? (long)size : null)).ToArray();
    }
}

/// <summary>A run folder <c>results/&lt;device-id&gt;/&lt;run-id&gt;/</c> and the files the reports read from it.</summary>
public sealed class RunFolder
{
    private RunFolder(string directory, EnvironmentInfo environment, IReadOnlyList<ResultRow> rows)
    {
        Directory = directory;
        Environment = environment;
        Rows = rows;
    }

    public string Directory { get; }

    /// <summary>The run id: the folder's name (<c>yyyyMMdd-HHmmss-commit</c>).</summary>
    public string RunId => Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory));

    public EnvironmentInfo Environment { get; }

    public IReadOnlyList<ResultRow> Rows { get; }

    /// <summary>
    /// Opens a run folder: environment.json and edgebench.csv must exist and parse. Errors are
    /// <see cref="InvalidDataException"/>s naming the file.
    /// </summary>
    public static RunFolder Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new InvalidDataException($"{directory}: folder not found; expected a run folder results/<device-id>/<run-id>/.");
        }

        string environmentPath = Path.Combine(directory, EnvironmentInfo.FileName);
        if (!File.Exists(environmentPath))
        {
            throw new InvalidDataException($"{environmentPath}: file not found; every run folder holds the environment it ran in.");
        }

        EnvironmentInfo environment = EnvironmentInfo.Read(environmentPath);
        string csvPath = Path.Combine(directory, ResultsCsv.FileName);
        IReadOnlyList<ResultRow> rows = ResultsCsv.Read(csvPath);
        // Tables pick one row per case; two rows of one name would mean two measurements of different jobs mixed.
        if (rows.GroupBy(r => r.Benchmark).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidDataException(
                $"{csvPath}: case '{twice.Key}' appears {twice.Count()} times (a run of more than one job, e.g. --job dry beside the edge job?); each case must appear once, so measure one job per run folder.");
        }

        return new RunFolder(directory, environment, rows);
    }

    /// <summary>The device id: environment.json's, else the parent folder's name.</summary>
    public string DeviceId => Environment.DeviceId is { Length: > 0 } id
        ? id
        : Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Directory))) ?? "unknown-device";
}
