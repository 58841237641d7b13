using System.Globalization;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Tables;

/// <summary>One device x model of <c>report devices</c>; <see cref="Case"/> is null where the device has no measurement.</summary>
public sealed record DeviceRow(string DeviceId, string DeviceModel, string Model, string RunId, ResultRow? Case,
    string AbsentReason, CatalogDevice? Catalog)
{
    public double? Fps => Case?.Fps;

    /// <summary>Median latency per frame, ms.</summary>
    public double? FrameMedianMs => Case?.MedianMs / Math.Max(1, Case?.Batch ?? 1);

    public double? PowerW => Case?.PowerW;

    public double? FpsPerWatt => Fps is double f && PowerW is double p && p > 0 ? f / p : null;

    /// <summary>
    /// Energy per frame, mJ: the sampler's energy per operation over the batch, else average power x mean time per
    /// frame (W x ms = mJ).
    /// </summary>
    public double? EnergyPerFrameMj =>
        Case?.EnergyMj is double e ? e / Math.Max(1, Case.Batch)
        : PowerW is double p && Case?.MeanMs is double mean ? p * mean / Math.Max(1, Case.Batch)
        : null;

    public double? FpsPerDollar => Fps is double f && Catalog?.PriceUsd is double price && price > 0 ? f / price : null;

    /// <summary>precision, batch and backend/EP of the case shown.</summary>
    public string Configuration => Case is null ? string.Empty : $"{Case.Precision} b{Case.Batch} {Case.Backend}/{Case.Ep}";
}

/// <summary>Builds <c>report devices</c>: for each device's run, the best measured case of each model.</summary>
public static class DevicesTable
{
    public const string AbsentText = "absent";

    /// <summary>
    /// One row per device x model, for every model any of the runs measured. Per device and model the case shown
    /// is the fastest <paramref name="stage"/> case that ran (optionally only of <paramref name="precision"/> and
    /// <paramref name="batch"/>); a device without one gets a row with no case, never zeros.
    /// </summary>
    public static IReadOnlyList<DeviceRow> Build(IReadOnlyList<RunFolder> runs, DeviceCatalog catalog, string stage = "end-to-end",
        string? precision = null, int? batch = null)
    {
        bool Selected(ResultRow r) => r.Stage == stage && (precision is null || r.Precision == precision) && (batch is null || r.Batch == batch);

        string[] models = runs.SelectMany(r => r.Rows).Where(Selected).Select(r => r.Model).Distinct().Order(StringComparer.Ordinal).ToArray();
        var rows = new List<DeviceRow>();
        foreach (RunFolder run in runs.OrderBy(r => r.DeviceId, StringComparer.Ordinal))
        {
            foreach (string model in models)
            {
                ResultRow[] candidates = run.Rows.Where(r => r.Model == model && Selected(r)).ToArray();
                ResultRow? best = candidates.Where(r => r.Status == CaseStatus.Ok && r.Fps is not null).MaxBy(r => r.Fps);
                string reason = best is not null ? string.Empty
                    : candidates.FirstOrDefault(r => r.Status != CaseStatus.Ok) is { } notRun ? $"{notRun.Status}: {notRun.Reason}"
                    : "not in this run";
                rows.Add(new DeviceRow(run.DeviceId, run.Environment.DeviceModel, model, run.RunId, best, reason, catalog.Find(run.DeviceId)));
            }
        }

        return rows;
    }

    public static readonly IReadOnlyList<string> Headers =
    [
        "device", "model", "configuration", "FPS", "median ms/frame", "power W", "FPS/W", "energy mJ/frame",
        "price USD", "FPS/USD", "peak GFLOPS", "run",
    ];

    public static readonly IReadOnlyList<string> CsvHeaders =
    [
        "device_id", "device_model", "model", "status", "precision", "batch", "backend", "ep", "fps", "frame_median_ms", "power_w",
        "fps_per_watt", "energy_mj_per_frame", "price_usd", "fps_per_usd", "peak_gflops", "run_id",
    ];

    public static ReportTable ToTable(IReadOnlyList<DeviceRow> rows)
    {
        var cells = rows.Select(r => (IReadOnlyList<string>)
        [
            r.DeviceId, r.Model, r.Case is null ? r.AbsentReason : r.Configuration,
            Measured(r, r.Fps), Measured(r, r.FrameMedianMs), Measured(r, r.PowerW), Measured(r, r.FpsPerWatt), Measured(r, r.EnergyPerFrameMj),
            r.Catalog is null ? "not in catalog" : Cells.Number(r.Catalog.PriceUsd, "unknown"),
            r.Catalog is null ? "not in catalog" : Measured(r, r.FpsPerDollar, digits: 4),
            r.Catalog is null ? "not in catalog" : Cells.Number(r.Catalog.PeakGflops, "unknown"),
            r.RunId,
        ]).ToArray();

        var csv = rows.Select(r => (IReadOnlyList<string>)
        [
            r.DeviceId, r.DeviceModel, r.Model, r.Case?.Status ?? AbsentText, r.Case?.Precision ?? string.Empty,
            r.Case?.Batch.ToString(CultureInfo.InvariantCulture) ?? string.Empty, r.Case?.Backend ?? string.Empty, r.Case?.Ep ?? string.Empty,
            Cells.Raw(r.Fps), Cells.Raw(r.FrameMedianMs), Cells.Raw(r.PowerW), Cells.Raw(r.FpsPerWatt), Cells.Raw(r.EnergyPerFrameMj),
            Cells.Raw(r.Catalog?.PriceUsd), Cells.Raw(r.FpsPerDollar), Cells.Raw(r.Catalog?.PeakGflops), r.RunId,
        ]).ToArray();

        return new ReportTable(Headers, cells, CsvHeaders, csv);
    }

    /// <summary>'absent' where the device has no case; 'not measured' where the case lacks this quantity (no power sampler).</summary>
    private static string Measured(DeviceRow row, double? value, int digits = 0)
    {
        if (row.Case is null)
        {
            return AbsentText;
        }

        return digits > 0 && value is double v && Math.Abs(v) < 1 ? Cells.Fixed(v, digits) : Cells.Number(value);
    }

    /// <summary>
    /// The run of each device under a results root: the latest (run ids sort by time) of each
    /// <c>&lt;root&gt;/&lt;device-id&gt;/&lt;run-id&gt;/</c> holding an edgebench.csv, unless <paramref name="named"/> names a run
    /// for that device. The <c>reports</c> folder is not a device.
    /// </summary>
    public static IReadOnlyList<string> SelectRuns(string resultsRoot, IReadOnlyList<string> named)
    {
        if (!Directory.Exists(resultsRoot))
        {
            throw new InvalidDataException($"{resultsRoot}: folder not found; expected a results root holding <device-id>/<run-id>/ folders.");
        }

        var byDevice = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string device in Directory.GetDirectories(resultsRoot).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(device) == "reports")
            {
                continue;
            }

            string? latest = Directory.GetDirectories(device)
                .Where(d => File.Exists(Path.Combine(d, ResultsCsv.FileName)))
                .Order(StringComparer.Ordinal)
                .LastOrDefault();
            if (latest is not null)
            {
                byDevice[Path.GetFileName(device)] = latest;
            }
        }

        foreach (string run in named)
        {
            string full = Path.IsPathRooted(run) || Directory.Exists(run) ? run : Path.Combine(resultsRoot, run);
            if (!Directory.Exists(full))
            {
                throw new InvalidDataException($"{run}: run folder not found (also tried {full}).");
            }

            byDevice[Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full)))!] = full;
        }

        if (byDevice.Count == 0)
        {
            throw new InvalidDataException($"{resultsRoot}: no run folder with an {ResultsCsv.FileName} under <device-id>/<run-id>/.");
        }

        return byDevice.Values.ToArray();
    }
}
