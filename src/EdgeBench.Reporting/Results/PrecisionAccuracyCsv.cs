using System.Globalization;
using CsvHelper;

namespace EdgeBench.Reporting.Results;

/// <summary>
/// What fp16 costs in output quality for one model and backend: both precisions run on the same images and their
/// outputs compared. Empty (null) where a measure does not apply (top-1 for detectors, boxes for classifiers).
/// </summary>
public sealed record PrecisionAccuracyRow
{
    public string Model { get; init; } = string.Empty;

    public string Backend { get; init; } = string.Empty;

    public string Ep { get; init; } = string.Empty;

    /// <summary>Batch size the comparison ran at (outputs do not depend on it).</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Images compared.</summary>
    public int Images { get; init; }

    /// <summary>Lowest cosine similarity between the fp32 and fp16 raw outputs of one image.</summary>
    public double? CosineMin { get; init; }

    public double? CosineMean { get; init; }

    /// <summary>Largest absolute difference of any raw output element.</summary>
    public double? MaxAbsError { get; init; }

    /// <summary>Classifiers: fraction of images whose top-1 class agrees.</summary>
    public double? Top1Agreement { get; init; }

    /// <summary>Detectors: fraction of fp32 detections matched by an fp16 detection of the same class at IoU >= 0.5.</summary>
    public double? BoxAgreement { get; init; }

    /// <summary>What was compared (e.g. detections per image), for the reader.</summary>
    public string Notes { get; init; } = string.Empty;
}

/// <summary>A model file of a run: which precision, where it came from, how large (for tables).</summary>
public sealed record ModelFileRow(string Model, string Precision, string Source, long SizeBytes);

/// <summary>
/// <c>accuracy.csv</c> and <c>models.csv</c> of a run folder: comma-separated, invariant culture, header row.
/// </summary>
public static class PrecisionAccuracyCsv
{
    public const string AccuracyFileName = "accuracy.csv";
    public const string ModelsFileName = "models.csv";

    private static readonly string[] s_accuracyHeader =
        ["model", "backend", "ep", "batch", "images", "cosine_min", "cosine_mean", "max_abs_error", "top1_agreement", "box_agreement", "notes"];

    private static readonly string[] s_modelsHeader = ["model", "precision", "source", "size_bytes"];

    private static readonly CsvWriterOptions s_writerOptions = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        FormatProvider = CultureInfo.InvariantCulture,
    };

    public static void WriteAccuracy(string path, IEnumerable<PrecisionAccuracyRow> rows) =>
        Write(path, s_accuracyHeader, rows.Select(r => new[]
        {
            r.Model, r.Backend, r.Ep, Format(r.Batch), Format(r.Images), Format(r.CosineMin), Format(r.CosineMean),
            Format(r.MaxAbsError), Format(r.Top1Agreement), Format(r.BoxAgreement), r.Notes,
        }));

    public static void WriteModels(string path, IEnumerable<ModelFileRow> rows) =>
        Write(path, s_modelsHeader, rows.Select(r => new[] { r.Model, r.Precision, r.Source, Format(r.SizeBytes) }));

    private static void Write(string path, string[] header, IEnumerable<string[]> records)
    {
        string temporary = path + ".tmp";
        using (FileStream stream = File.Create(temporary))
        using (CsvWriter csv = CsvWriter.Create(stream, s_writerOptions, false))
        {
            csv.WriteHeader(header);
            foreach (string[] record in records)
            {
                csv.WriteRecord(record);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string Format(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
