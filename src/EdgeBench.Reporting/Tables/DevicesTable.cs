using System.Globalization;
using EdgeBench.Reporting.Diff;
using EdgeBench.Reporting.Results;
using EdgeBench.Reporting.Runs;

namespace EdgeBench.Reporting.Tables;

/// <summary>A case's measurement and the run folder it came from.</summary>
public sealed record DeviceMeasurement(ResultRow Row, RunFolder Run);

/// <summary>
/// Everything one device measured across its selected runs: per case (model, stage row, precision, batch, backend,
/// EP) the newest ok measurement, so a newer partial run never hides an older complete one; and, for the cases that
/// never ran ok, the newest attempt (why it is absent).
/// </summary>
public sealed record DeviceMeasurements(string DeviceId, string DeviceModel, RunFolder Newest, IReadOnlyList<RunFolder> Runs,
    IReadOnlyList<DeviceMeasurement> Cases, IReadOnlyList<DeviceMeasurement> NotRun)
{
    /// <summary>
    /// Where <paramref name="run"/>'s environment differs from the device's newest run: the fields <c>diff</c>
    /// refuses to compare across (runtime versions, providers, power mode, clocks, L4T). Empty when it is the same.
    /// </summary>
    public IReadOnlyList<EnvironmentMismatch> ChangesFromNewest(RunFolder run) =>
        ReferenceEquals(run, Newest) ? [] : RunDiff.CheckEnvironment(run.Environment, Newest.Environment);
}

/// <summary>One device x model of <c>report devices</c>; <see cref="Case"/> is null where the device has no measurement.</summary>
public sealed record DeviceRow(string DeviceId, string DeviceModel, string Model, string RunId, ResultRow? Case,
    string AbsentReason, CatalogDevice? Catalog)
{
    /// <summary>Fields of environment.json in which the case's run differs from the device's newest run (marked, not mixed silently).</summary>
    public IReadOnlyList<EnvironmentMismatch> EnvironmentChanges { get; init; } = [];

    /// <summary>The device's newest selected run, the one <see cref="EnvironmentChanges"/> compares against.</summary>
    public string NewestRunId { get; init; } = string.Empty;

    /// <summary>The board's RAM (environment.json of the case's run), MB: with <see cref="PeakRssMb"/>, whether the pipeline fits.</summary>
    public long? RamMb { get; init; }

    /// <summary>Peak resident memory of the process while the case ran, MB.</summary>
    public double? PeakRssMb => Case?.PeakRssMb;

    /// <summary>
    /// The model's inference row of the same configuration (model, precision, batch, backend; the same EP where one
    /// exists) on this device: its achieved GFLOP/s as % of the run's measured peak. How close the model itself runs
    /// to the processor's limit, beside the pipeline's FPS.
    /// </summary>
    public double? InferencePeakPct { get; init; }

    /// <summary>Scenario rows count frames delivered over a window; stage rows time calls of the benchmark method.</summary>
    public bool IsScenario => Case is { Scenario.Length: > 0 };

    public double? Fps => Case?.Fps;

    /// <summary>What <see cref="Fps"/> is: frames delivered per second of a scenario window, or frames per call over the mean call time.</summary>
    public string FpsMeasure => Case is null ? string.Empty
        : Case.CameraFps is double camera ? string.Create(CultureInfo.InvariantCulture, $"delivered ({Case.Scenario} at {camera:0.#} FPS)")
        : IsScenario ? $"delivered ({Case.Scenario})" : "batch / mean call";

    /// <summary>Median time per frame, ms: the call's median over its batch; for a scenario row its p50 frame latency (capture to result).</summary>
    public double? FrameMedianMs => IsScenario ? Case!.FrameP50Ms : Case?.MedianMs / Math.Max(1, Case?.Batch ?? 1);

    public double? PowerW => Case?.PowerW;

    public double? FpsPerWatt => Fps is double f && PowerW is double p && p > 0 ? f / p : null;

    /// <summary>
    /// Energy per frame, mJ: a scenario row's energy_mj is already per delivered frame; a stage row's is per call, so
    /// it is divided by the batch; without one, average power x mean time per frame (W x ms = mJ).
    /// </summary>
    public double? EnergyPerFrameMj =>
        Case is null ? null
        : IsScenario ? Case.EnergyMj ?? (PowerW is double w && Fps is > 0 ? w * 1000.0 / Fps.Value : null)
        : Case.EnergyMj is double e ? e / Math.Max(1, Case.Batch)
        : PowerW is double p && Case.MeanMs is double mean ? p * mean / Math.Max(1, Case.Batch)
        : null;

    public double? FpsPerDollar => Fps is double f && Catalog?.PriceUsd is double price && price > 0 ? f / price : null;

    /// <summary>The stage row that measured it: <c>end-to-end</c>, a GPU pipeline variant, a ladder level or a scenario.</summary>
    public string Pipeline => Case?.Stage ?? string.Empty;

    /// <summary>precision, batch and backend/EP of the case shown.</summary>
    public string Configuration => Case is null ? string.Empty : $"{Case.Precision} b{Case.Batch} {Case.Backend}/{Case.Ep}";

    /// <summary>Empty, or which environment fields differ from the device's newest run and how.</summary>
    public string EnvironmentNote => EnvironmentChanges.Count == 0
        ? string.Empty
        : "differs from " + NewestRunId + ": " + string.Join("; ", EnvironmentChanges.Select(m => $"{m.Field} {m.Base} (newest {m.New})"));
}

/// <summary>Builds <c>report devices</c>: for each device, the best measured end-to-end case of each model across its runs.</summary>
public static class DevicesTable
{
    public const string AbsentText = "absent";

    /// <summary>The model-only stage row, whose % of peak the device table shows beside the pipeline's FPS.</summary>
    public const string InferenceStage = "inference";

    /// <summary>The device-bound model alone (no host copies): a GPU pipeline's roofline row where it was measured.</summary>
    public const string InferenceOnDeviceStage = "inference-on-device";

    /// <summary>The stage row of the host pipeline's end-to-end case (<see cref="EndToEndRows.EndToEnd"/>).</summary>
    public const string EndToEnd = EndToEndRows.EndToEnd;

    /// <summary>Whether a stage row is a whole pipeline (<see cref="EndToEndRows.IsEndToEndStage"/>).</summary>
    public static bool IsEndToEnd(string stage) => EndToEndRows.IsEndToEndStage(stage);

    /// <summary>
    /// Per device (grouped by device id, newest run first), the newest ok measurement of every selected case. Selected:
    /// end-to-end rows (<see cref="IsEndToEnd"/>), or exactly <paramref name="stage"/> when given; optionally only of
    /// <paramref name="precision"/> and <paramref name="batch"/>. Rows without a model or an FPS never compete.
    /// </summary>
    public static IReadOnlyList<DeviceMeasurements> Measure(IReadOnlyList<RunFolder> runs, string? stage = null, string? precision = null, int? batch = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        bool Selected(ResultRow r) =>
            r.Model.Length > 0 && (stage is null ? IsEndToEnd(r.Stage) : r.Stage == stage)
            && (precision is null || r.Precision == precision) && (batch is null || r.Batch == batch);

        var devices = new List<DeviceMeasurements>();
        foreach (IGrouping<string, RunFolder> device in runs.GroupBy(r => r.DeviceId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Run ids begin with the UTC start, so they sort by time; the recorded start decides for folders named otherwise.
            RunFolder[] newestFirst = device.OrderByDescending(r => RunSelection.StartOf(r.RunId) ?? r.Environment.StartedUtc)
                .ThenByDescending(r => r.RunId, StringComparer.Ordinal).ToArray();
            // The camera's rate is part of a camera case: keeping up with 30 FPS and with 1,000 FPS are different answers.
            var ok = new Dictionary<(string, string, string, int, string, string, double?), DeviceMeasurement>();
            var notOk = new Dictionary<(string, string, string, int, string, string, double?), DeviceMeasurement>();
            foreach (RunFolder run in newestFirst)
            {
                foreach (ResultRow row in run.Rows.Where(Selected))
                {
                    var key = (row.Model, row.Stage, row.Precision, row.Batch, row.Backend, row.Ep, row.CameraFps);
                    if (row.Status == CaseStatus.Ok && row.Fps is > 0)
                    {
                        ok.TryAdd(key, new DeviceMeasurement(row, run));
                    }
                    else
                    {
                        notOk.TryAdd(key, new DeviceMeasurement(row, run));
                    }
                }
            }

            RunFolder newest = newestFirst[0];
            devices.Add(new DeviceMeasurements(device.Key, newest.Environment.DeviceModel, newest, newestFirst,
                [.. ok.Values], [.. notOk.Where(n => !ok.ContainsKey(n.Key)).Select(n => n.Value)]));
        }

        return devices;
    }

    /// <summary>
    /// Whether a measurement may be a model's best: a scenario row whose run rules were not met (verdict
    /// <c>invalid</c>) has a frame rate, but not one to rank.
    /// </summary>
    public static bool Ranks(ResultRow row) => row.Verdict != "invalid";

    /// <summary>
    /// One row per device x model, for every model any device measured: the fastest selected case of the model on
    /// that device across its runs, its pipeline and configuration named; a device without one gets a row with no
    /// case, never zeros.
    /// </summary>
    public static IReadOnlyList<DeviceRow> Build(IReadOnlyList<DeviceMeasurements> devices, DeviceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(devices);
        string[] models = devices.SelectMany(d => d.Cases.Select(c => c.Row.Model).Concat(d.NotRun.Select(c => c.Row.Model)))
            .Distinct().Order(StringComparer.Ordinal).ToArray();
        var rows = new List<DeviceRow>();
        foreach (DeviceMeasurements device in devices)
        {
            foreach (string model in models)
            {
                DeviceMeasurement[] mine = device.Cases.Where(c => c.Row.Model == model).ToArray();
                DeviceMeasurement? best = mine.Where(c => Ranks(c.Row)).MaxBy(c => c.Row.Fps);
                rows.Add(best is null
                    ? new DeviceRow(device.DeviceId, device.DeviceModel, model, string.Empty, null, AbsentReason(device, model, mine), catalog.Find(device.DeviceId))
                    {
                        NewestRunId = device.Newest.RunId,
                    }
                    : new DeviceRow(device.DeviceId, device.DeviceModel, model, best.Run.RunId, best.Row, string.Empty, catalog.Find(device.DeviceId))
                    {
                        NewestRunId = device.Newest.RunId,
                        EnvironmentChanges = device.ChangesFromNewest(best.Run),
                        RamMb = best.Run.Environment.MemoryTotalMb,
                        InferencePeakPct = InferencePeakPct(device, best.Row),
                    });
            }
        }

        return rows;
    }

    /// <summary>Convenience for one call: <see cref="Measure"/> then <see cref="Build(IReadOnlyList{DeviceMeasurements}, DeviceCatalog)"/>.</summary>
    public static IReadOnlyList<DeviceRow> Build(IReadOnlyList<RunFolder> runs, DeviceCatalog catalog, string? stage = null,
        string? precision = null, int? batch = null) => Build(Measure(runs, stage, precision, batch), catalog);

    /// <summary>
    /// % of peak of the newest ok inference row of <paramref name="endToEnd"/>'s model, precision, batch and backend
    /// across the device's runs (newest first), preferring the same EP, else another EP on the same processor (a GPU
    /// pipeline variant's EP may have no inference row of its own); null when none has one. Never a CPU row for a GPU
    /// pipeline or the reverse: their peaks are different machines. Of one EP, the inference-on-device row comes first:
    /// the model's own device time is what a GEMM peak is measured against (the inference row adds the host copies).
    /// </summary>
    private static double? InferencePeakPct(DeviceMeasurements device, ResultRow endToEnd)
    {
        static bool OnCpu(string ep) => ep == "cpu";
        ResultRow[] candidates = device.Runs.SelectMany(run => run.Rows)
            .Where(r => r.Stage is InferenceStage or InferenceOnDeviceStage && r.Status == CaseStatus.Ok && r.PeakPct is not null
                && r.Model == endToEnd.Model && r.Precision == endToEnd.Precision && r.Batch == endToEnd.Batch && r.Backend == endToEnd.Backend
                && OnCpu(r.Ep) == OnCpu(endToEnd.Ep))
            .OrderBy(r => r.Stage == InferenceOnDeviceStage ? 0 : 1) // stable: newest first within each stage
            .ToArray();
        return (candidates.FirstOrDefault(r => r.Ep == endToEnd.Ep) ?? candidates.FirstOrDefault())?.PeakPct;
    }

    private static string AbsentReason(DeviceMeasurements device, string model, DeviceMeasurement[] unranked)
    {
        if (unranked.Length > 0)
        {
            return $"only invalid scenario rows ({unranked[0].Row.Stage}, run {unranked[0].Run.RunId})";
        }

        return device.NotRun.FirstOrDefault(c => c.Row.Model == model) is { } notRun
            ? $"{notRun.Row.Status}: {notRun.Row.Reason}"
            : "not in these runs";
    }

    public static readonly IReadOnlyList<string> Headers =
    [
        "device", "model", "pipeline (stage row)", "configuration", "FPS", "FPS measure", "median ms/frame", "power W", "FPS/W",
        "energy mJ/frame", "peak RSS MB (of RAM MB)", "inference % of peak", "price USD", "FPS/USD", "peak GFLOPS", "run", "environment",
    ];

    public static readonly IReadOnlyList<string> CsvHeaders =
    [
        "device_id", "device_model", "model", "status", "stage", "scenario", "precision", "batch", "backend", "ep", "fps", "fps_measure",
        "frame_median_ms", "power_w", "fps_per_watt", "energy_mj_per_frame", "peak_rss_mb", "ram_mb", "gpu_mem_mb", "inference_peak_pct",
        "price_usd", "fps_per_usd", "peak_gflops", "run_id",
        "environment_differs",
    ];

    public static ReportTable ToTable(IReadOnlyList<DeviceRow> rows)
    {
        var cells = rows.Select(r => (IReadOnlyList<string>)
        [
            r.DeviceId, r.Model, r.Case is null ? r.AbsentReason : r.Pipeline, r.Case is null ? AbsentText : r.Configuration,
            Measured(r, r.Fps), r.Case is null ? AbsentText : r.FpsMeasure,
            Measured(r, r.FrameMedianMs), Measured(r, r.PowerW), Measured(r, r.FpsPerWatt), Measured(r, r.EnergyPerFrameMj),
            r.Case is null ? AbsentText : Cells.Number(r.PeakRssMb) + (r.RamMb is long ram ? $" (of {ram.ToString(CultureInfo.InvariantCulture)})" : string.Empty),
            Measured(r, r.InferencePeakPct),
            r.Catalog is null ? "not in catalog" : Cells.Number(r.Catalog.PriceUsd, "unknown"),
            r.Catalog is null ? "not in catalog" : Measured(r, r.FpsPerDollar, digits: 4),
            r.Catalog is null ? "not in catalog" : Cells.Number(r.Catalog.PeakGflops, "unknown"),
            r.RunId.Length == 0 ? AbsentText : r.RunId,
            r.Case is null ? string.Empty : r.EnvironmentChanges.Count == 0 ? "same" : "**" + r.EnvironmentNote + "**",
        ]).ToArray();

        var csv = rows.Select(r => (IReadOnlyList<string>)
        [
            r.DeviceId, r.DeviceModel, r.Model, r.Case?.Status ?? AbsentText, r.Case?.Stage ?? string.Empty, r.Case?.Scenario ?? string.Empty,
            r.Case?.Precision ?? string.Empty, r.Case?.Batch.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            r.Case?.Backend ?? string.Empty, r.Case?.Ep ?? string.Empty,
            Cells.Raw(r.Fps), r.FpsMeasure, Cells.Raw(r.FrameMedianMs), Cells.Raw(r.PowerW), Cells.Raw(r.FpsPerWatt), Cells.Raw(r.EnergyPerFrameMj),
            Cells.Raw(r.PeakRssMb), Cells.Raw(r.RamMb), Cells.Raw(r.Case?.GpuMemMb), Cells.Raw(r.InferencePeakPct),
            Cells.Raw(r.Catalog?.PriceUsd), Cells.Raw(r.FpsPerDollar), Cells.Raw(r.Catalog?.PeakGflops), r.RunId, r.EnvironmentNote,
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
}
